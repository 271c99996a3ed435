using System.CommandLine;
using System.Text;
using Jailhouse.Boot;
using Jailhouse.Config;
using Jailhouse.Debian;

namespace Jailhouse.Cli;

/// <summary>`jailhouse kconfig patch`: fragments applied to a base config through the kernel's own Kconfig.</summary>
internal static class KconfigCommands
{
    public static Command Create()
    {
        var kconfig = new Command("kconfig", "Patch kernel configurations with fragments, checked by the kernel's own Kconfig.");
        var baseConfig = new Argument<string>("BASE") { Description = "The base .config (e.g. Debian's /boot/config-* from the kernel package)." };
        var fragments = new Argument<string[]>("FRAGMENT") { Description = "Fragments to apply, in order.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "The resulting .config.", Required = true };
        var repository = new Option<string>("--repository") { Description = "Repository root (for the pinned linux-source and linux-kbuild).", DefaultValueFactory = _ => "." };
        var lockFile = PackageCommands.ResolvedLockOption();
        var patch = new Command("patch", "Apply fragments to a base config, run `conf --olddefconfig`, and fail listing every requested option that did not survive.")
            { baseConfig, fragments, output, repository, lockFile };
        OutputPaths.Check(patch, output, baseConfig, fragments);
        patch.SetAction(parse =>
        {
            string basePath = parse.GetRequiredValue(baseConfig);
            var values = KconfigFragment.Values(KconfigFragment.ReadFile(basePath));
            string arch = values.GetValueOrDefault("CONFIG_ARM64") == "y" ? "arm64"
                : values.GetValueOrDefault("CONFIG_X86_64") == "y" ? "amd64"
                : throw new InputException(new SourceLocation(basePath, 0, 0), "expected an arm64 (CONFIG_ARM64=y) or x86-64 (CONFIG_X86_64=y) kernel config");
            var cache = PackageCache.Default();
            var packages = TargetPackages.Load(parse.GetRequiredValue(repository), parse.GetValue(lockFile), cache);
            var patcher = KconfigPatcher.FromPackages(packages, Path.Combine(cache.ExtractedDirectory, "kconfig"), cache);
            var result = patcher.Patch(basePath, parse.GetRequiredValue(fragments), arch);
            foreach (string note in result.Notes)
                Console.Error.WriteLine($"note: {note}");
            if (result.Lost.Count > 0)
            {
                foreach (string lost in result.Lost)
                    Console.Error.WriteLine($"error: {lost}");
                return Program.InvalidInput;
            }
            AtomicFile.Write(parse.GetRequiredValue(output), Encoding.UTF8.GetBytes(result.Config));
            return Program.Success;
        });
        kconfig.Subcommands.Add(patch);
        return kconfig;
    }
}
