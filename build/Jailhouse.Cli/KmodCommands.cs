using System.CommandLine;
using Jailhouse.Binaries;
using Jailhouse.Boot;
using Jailhouse.Config;
using Jailhouse.Debian;

namespace Jailhouse.Cli;

/// <summary>`jailhouse kmod build`: the driver (kmod/) against the pinned kernel's Debian headers.</summary>
internal static class KmodCommands
{
    public static Command Create()
    {
        var kmod = new Command("kmod", "Build the Jailhouse kernel module (kmod/).");
        var arch = new Option<string>("--arch") { Description = "Debian architecture: arm64 (cross) or amd64.", Required = true };
        arch.AcceptOnlyFromAmong("arm64", "amd64");
        var repository = new Option<string>("--repository") { Description = "Repository root (kmod/, recipes/).", DefaultValueFactory = _ => "." };
        var work = new Option<string?>("--work") { Description = "Build directory (default: beside the output, kmod-build-ARCH/)." };
        var output = new Option<string>("--output", "-o") { Description = "Where the stripped jailhouse.ko goes.", Required = true };
        var lockFile = PackageCommands.ResolvedLockOption();
        var force = UpToDateCommands.ForceOption();
        var build = new Command("build", "Extract the kernel's linux-headers/linux-kbuild packages and build jailhouse.ko with Kbuild; skipped when kmod/, the header packages and the compilers are unchanged.")
            { arch, repository, work, output, lockFile, force };
        build.SetAction(parse =>
        {
            string debianArch = parse.GetRequiredValue(arch);
            string outputPath = Path.GetFullPath(parse.GetRequiredValue(output));
            string workDirectory = parse.GetValue(work) ?? Path.Combine(Path.GetDirectoryName(outputPath)!, $"kmod-build-{debianArch}");
            string root = Path.GetFullPath(parse.GetRequiredValue(repository));
            var cache = PackageCache.Default();
            var builder = new KmodBuilder(root, TargetPackages.Load(root, parse.GetValue(lockFile), cache), cache);
            var stamp = new BuildStamp(outputPath + ".stamp")
                .Tree(Path.Combine(root, "kmod"), sourceTree: true)
                .Tool("make", "--version").Tool(debianArch == "arm64" ? "aarch64-linux-gnu-gcc" : "gcc", "--version")
                .Option("arch", debianArch);
            foreach (var package in builder.HeaderPackages(debianArch))
                stamp.Option("package " + package.Name, $"{package.Version} {package.Architecture} {package.Sha256}");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            if (!stamp.Run([outputPath], parse.GetValue(force), () => builder.Build(debianArch, Path.GetFullPath(workDirectory), outputPath)))
            {
                UpToDateCommands.ReportSkipped($"jailhouse.ko {debianArch}");
                return Program.Success;
            }
            Console.WriteLine($"{outputPath}: jailhouse.ko for {builder.KernelRelease(debianArch)}, {new FileInfo(outputPath).Length} bytes ({watch.Elapsed.TotalSeconds:F1} s)");
            return Program.Success;
        });
        kmod.Subcommands.Add(build);
        return kmod;
    }
}
