using Jailhouse.Debian;

namespace Jailhouse.Binaries;

/// <summary>
/// Builds the driver (kmod/) out of tree against Debian's kernel headers for the kernel of the
/// resolved target packages: linux-headers-KVER (the target's), linux-headers-ABI-common and
/// linux-kbuild (amd64: the host's kbuild programs) extracted into one tree, then Kbuild with the
/// target's compiler. The result is stripped of debug information, as `make modules_install
/// INSTALL_MOD_STRIP=1` would.
/// </summary>
public sealed class KmodBuilder(string repositoryRoot, TargetPackages packages, PackageCache cache)
{
    private sealed record Toolchain(string KernelArch, string? CrossCompile, string ObjCopy);

    private static Toolchain For(string debianArch) => debianArch switch
    {
        "arm64" => new("arm64", "aarch64-linux-gnu-", "aarch64-linux-gnu-objcopy"),
        "amd64" => new("x86", null, "objcopy"),
        _ => throw new ArgumentException($"no kernel module build for {debianArch}"),
    };

    /// <summary>The kernel's release (uname -r) for a Debian architecture, e.g. 6.1.0-57-arm64.</summary>
    public string KernelRelease(string debianArch) => packages.KernelRelease(debianArch);

    /// <summary>The three header packages the build needs, matching the kernel.</summary>
    public IReadOnlyList<PinnedPackage> HeaderPackages(string debianArch)
    {
        string release = KernelRelease(debianArch);
        string abi = release[..release.LastIndexOf('-')];                 // 6.1.0-57
        string series = string.Join('.', abi.Split('.').Take(2));         // 6.1
        return
        [
            packages.Find(p => p.Name == $"linux-headers-{release}" && p.Architecture == debianArch, $"linux-headers-{release} for {debianArch}"),
            packages.Find(p => p.Name == $"linux-headers-{abi}-common", $"linux-headers-{abi}-common"),
            packages.Find(p => p.Name == $"linux-kbuild-{series}" && p.Architecture == "amd64", $"linux-kbuild-{series} for amd64 (the host's kbuild programs)"),
        ];
    }

    /// <summary>
    /// Builds kmod/ for <paramref name="debianArch"/> in <paramref name="workDirectory"/> and writes the
    /// stripped module to <paramref name="output"/> (atomically).
    /// </summary>
    public void Build(string debianArch, string workDirectory, string output)
    {
        var tools = For(debianArch);
        string release = KernelRelease(debianArch);
        string tree = PrepareHeaderTree(debianArch, Path.Combine(workDirectory, "headers"));

        // Kbuild writes its objects beside the sources: build a copy, never the repository's kmod/.
        string sources = Path.Combine(workDirectory, "src");
        if (Directory.Exists(sources))
            Directory.Delete(sources, recursive: true);
        CopyTree(Path.Combine(repositoryRoot, "kmod"), sources);

        // The build-id hashes the debug information before stripping: map the build folder's
        // path away so that the module is the same bytes wherever it is built.
        string[] make = ["-C", Path.Combine(tree, "usr", "src", $"linux-headers-{release}"), $"M={sources}", $"ARCH={tools.KernelArch}",
            $"KCFLAGS=-ffile-prefix-map={Path.GetFullPath(workDirectory)}=/kmod-build",
            .. tools.CrossCompile is null ? Array.Empty<string>() : [$"CROSS_COMPILE={tools.CrossCompile}"], "modules"];
        var result = ExternalTool.Run("make", make, sources,
            [("KBUILD_BUILD_TIMESTAMP", "0"), ("KBUILD_BUILD_USER", "jailhouse"), ("KBUILD_BUILD_HOST", "jailhouse"), ("LC_ALL", "C")]);
        if (result.ExitCode != 0)
            throw new InputException(new SourceLocation(Path.Combine(repositoryRoot, "kmod", "Kbuild"), 0, 0),
                $"the module build failed (make exit {result.ExitCode}):\n{result.Output.Trim()}");

        string full = Path.GetFullPath(output);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = full + $".tmp-{Environment.ProcessId}";
        var strip = ExternalTool.Run(tools.ObjCopy, ["--strip-debug", Path.Combine(sources, "jailhouse.ko"), temporary]);
        if (strip.ExitCode != 0)
            throw new InputException(new SourceLocation(Path.Combine(sources, "jailhouse.ko"), 0, 0),
                $"{tools.ObjCopy} --strip-debug failed (exit {strip.ExitCode}): {strip.Output.Trim()}");
        File.Move(temporary, full, overwrite: true);
    }

    /// <summary>
    /// Extracts the header packages into one folder (their relative scripts/tools links then resolve)
    /// and points the flavour Makefile's absolute include at it. A stamp of the packages' sha256s
    /// and the tree's location keeps an unchanged tree.
    /// </summary>
    private string PrepareHeaderTree(string debianArch, string tree)
    {
        var headers = HeaderPackages(debianArch);
        // The rewritten include is an absolute path: a moved clone extracts again.
        string stampText = $"tree {Path.GetFullPath(tree)}\n" + string.Join('\n', headers.Select(p => $"{p} {p.Sha256}")) + "\n";
        string stamp = Path.Combine(tree, ".extracted");
        if (File.Exists(stamp) && File.ReadAllText(stamp) == stampText)
            return tree;
        if (Directory.Exists(tree))
            Directory.Delete(tree, recursive: true);
        Directory.CreateDirectory(tree);
        var debs = cache.FetchAll(headers);
        foreach (var (package, deb) in headers.Zip(debs))
        {
            var result = ExternalTool.Run("dpkg-deb", ["-x", deb, tree]);
            if (result.ExitCode != 0)
                throw new InputException(package.Origin, $"dpkg-deb -x {deb} failed (exit {result.ExitCode}): {result.Output.Trim()}");
        }
        string makefile = Path.Combine(tree, "usr", "src", $"linux-headers-{KernelRelease(debianArch)}", "Makefile");
        string text = File.ReadAllText(makefile);
        string rewritten = text.Replace("include /usr/src/", $"include {Path.GetFullPath(tree)}/usr/src/", StringComparison.Ordinal);
        if (rewritten == text)
            throw new InputException(new SourceLocation(makefile, 1, 1), "expected an \"include /usr/src/...\" line pointing at the common headers");
        File.WriteAllText(makefile, rewritten);
        File.WriteAllText(stamp, stampText);
        return tree;
    }

    private static void CopyTree(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.EnumerateFiles(source))
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        foreach (string directory in Directory.EnumerateDirectories(source))
            CopyTree(directory, Path.Combine(destination, Path.GetFileName(directory)));
    }
}
