using System.Globalization;
using System.Text;
using Jailhouse.Config;
using Jailhouse.Debian;

namespace Jailhouse.Boot;

/// <summary>
/// Applies fragments to a base kernel config and lets the kernel's own Kconfig settle it
/// (`conf --olddefconfig` from Debian's linux-kbuild over the Kconfig tree of Debian's
/// linux-source), then lists every requested option that did not survive -- a dependency
/// Kconfig would not satisfy -- as merge_config.sh does. Options the kernel does not declare at
/// all are not silently taken as done: a note says so, and names the kernel argument that does
/// the job on such kernels (<see cref="HypervisorKernelArguments.ReplacementFor"/>).
/// </summary>
public sealed class KconfigPatcher(string kconfigTree, string confBinary)
{
    public sealed record Result(string Config, List<string> Lost, List<string> Notes);

    /// <summary>Prepares the Kconfig tree from the linux-source and linux-kbuild target packages (cached by sha256).</summary>
    public static KconfigPatcher FromPackages(TargetPackages packages, string workDirectory, PackageCache cache)
    {
        PinnedPackage Find(string prefix) => packages.Find(p => p.Name.StartsWith(prefix, StringComparison.Ordinal), $"{prefix}* package");
        var source = Find("linux-source-");
        var kbuild = Find("linux-kbuild-");
        string kbuildDir = cache.Extract(kbuild, Path.Combine(workDirectory, kbuild.Name));
        string conf = Directory.EnumerateFiles(Path.Combine(kbuildDir, "usr", "lib"), "conf", SearchOption.AllDirectories).Single(f => f.EndsWith("/kconfig/conf", StringComparison.Ordinal));

        string tree = Path.Combine(workDirectory, "kconfig-tree");
        string stamp = Path.Combine(tree, ".from-" + source.Sha256);
        if (!File.Exists(stamp))
        {
            string sourceDir = cache.Extract(source, Path.Combine(workDirectory, source.Name));
            string tarball = Directory.EnumerateFiles(Path.Combine(sourceDir, "usr", "src"), "linux-source-*.tar.xz").Single();
            string temporary = tree + ".tmp";
            if (Directory.Exists(temporary))
                Directory.Delete(temporary, recursive: true);
            Directory.CreateDirectory(temporary);
            // Only what Kconfig reads: every Kconfig file, the scripts its $(shell ...) calls use, the top Makefile.
            var result = ExternalTool.Run("tar", ["-xJf", tarball, "-C", temporary, "--strip-components=1", "--wildcards",
                "*/Kconfig*", "*/scripts/*", "*/Makefile"]);
            if (result.ExitCode != 0)
                throw new InputException(new SourceLocation(tarball, 0, 0), $"tar failed (exit {result.ExitCode}): {result.Output.Trim()}");
            File.WriteAllText(Path.Combine(temporary, ".from-" + source.Sha256), source + "\n");
            if (Directory.Exists(tree))
                Directory.Delete(tree, recursive: true);
            Directory.Move(temporary, tree);
        }
        return new KconfigPatcher(tree, conf);
    }

    private HashSet<string>? declaredOptions;

    /// <summary>Every CONFIG_ symbol a Kconfig file of the tree declares (`config X` or `menuconfig X`).</summary>
    private HashSet<string> DeclaredOptions()
    {
        if (declaredOptions is not null)
            return declaredOptions;
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(kconfigTree, "Kconfig*", SearchOption.AllDirectories))
            foreach (string line in File.ReadLines(file))
            {
                string trimmed = line.Trim();
                int space = trimmed.IndexOf(' ', StringComparison.Ordinal);
                if (space > 0 && trimmed[..space] is "config" or "menuconfig")
                    declared.Add("CONFIG_" + trimmed[(space + 1)..].Trim());
            }
        return declaredOptions = declared;
    }

    public Result Patch(string baseConfig, IReadOnlyList<string> fragments, string debianArch)
    {
        var requested = new List<KconfigFragment.Setting>();
        foreach (string fragment in fragments)
            requested.AddRange(KconfigFragment.ReadFile(fragment));
        var wanted = KconfigFragment.Values(requested);

        // Base first, then the fragments, as merge_config.sh concatenates them.
        var merged = new StringBuilder(File.ReadAllText(baseConfig));
        merged.Append('\n');
        foreach (var (option, value) in wanted)
            merged.Append(value == "n" ? $"# {option} is not set\n" : $"{option}={value}\n");

        string work = Path.Combine(Path.GetTempPath(), $"jailhouse-kconfig-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            string config = Path.Combine(work, ".config");
            File.WriteAllText(config, merged.ToString());
            string srcarch = debianArch == "arm64" ? "arm64" : "x86";
            string cc = debianArch == "arm64" ? "aarch64-linux-gnu-gcc-12" : "gcc-12";
            string crossPrefix = debianArch == "arm64" ? "aarch64-linux-gnu-" : "";
            // The top Makefile exports the compiler's version line; Kconfig derives CC_IS_GCC and friends from it.
            var version = ExternalTool.Run(cc, ["--version"]);
            string ccVersion = version.StandardOutput.Split('\n')[0].Trim();
            var result = ExternalTool.Run(confBinary, ["--olddefconfig", "Kconfig"], kconfigTree,
            [
                ("CC_VERSION_TEXT", ccVersion),
                ("KCONFIG_CONFIG", config), ("srctree", "."), ("ARCH", srcarch), ("SRCARCH", srcarch),
                ("KERNELVERSION", "6.1"), ("CC", cc), ("LD", crossPrefix + "ld"), ("HOSTCC", "gcc"),
                ("CLANG_FLAGS", ""), ("RUSTC", "rustc-not-used"), ("BINDGEN", "bindgen-not-used"),
            ]);
            if (result.ExitCode != 0)
                throw new InputException(new SourceLocation(baseConfig, 0, 0), $"Kconfig (conf --olddefconfig) failed (exit {result.ExitCode}): {result.Output.Trim()}");
            string final = File.ReadAllText(config);
            var got = KconfigFragment.Values(KconfigFragment.Read(final, config));
            var lost = new List<string>();
            foreach (var setting in requested.GroupBy(s => s.Option).Select(g => g.Last()))
            {
                string actual = got.GetValueOrDefault(setting.Option, "n");
                if (actual != setting.Value)
                    lost.Add($"{setting.Origin}: {setting.Option} requested {setting.Value}, Kconfig gave {actual} (a dependency is not met)");
            }
            var declared = DeclaredOptions();
            var notes = new List<string>();
            foreach (var setting in requested.GroupBy(s => s.Option).Select(g => g.Last()))
            {
                if (declared.Contains(setting.Option))
                    continue;
                string note = $"{setting.Origin}: {setting.Option} is not an option of this kernel";
                if (HypervisorKernelArguments.ReplacementFor(setting.Option) is { } argument)
                    note += $"; the kernel command line does its job: {argument} (the boot planner adds it)";
                else if (setting.Value == "n")
                    note += " (nothing to turn off)";
                notes.Add(note);
            }
            return new Result(final, lost, notes);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
