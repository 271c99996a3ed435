using Jailhouse.Binaries;
using Jailhouse.Config;
using Jailhouse.Debian;
using Jailhouse.Images;

namespace Jailhouse.Boot;

/// <summary>
/// Puts together what a board's images are made of, under artifacts/&lt;board&gt;/: the kernel (and
/// device tree) from Debian's kernel package, a root file system (busybox, the glibc the NativeAOT
/// CLI needs, the CLI, the cell configurations, /init) packed as initrd.img, a GRUB EFI loader
/// built with grub-mkimage from Debian's GRUB modules, and its grub.cfg.
/// </summary>
public sealed class BoardAssembler(BoardDescription board, string repositoryRoot, string artifactsDirectory, PackageCache cache, TargetPackages targetPackages)
{
    /// <summary>The packages of the board's architecture: kernel, busybox, libc, GRUB EFI modules.</summary>
    public Dictionary<string, PinnedPackage> Packages()
    {
        PinnedPackage Find(Func<PinnedPackage, bool> match, string what) =>
            targetPackages.Find(p => p.Architecture == board.DebianArch && match(p), $"{what} for {board.DebianArch}");
        return new Dictionary<string, PinnedPackage>(StringComparer.Ordinal)
        {
            ["kernel"] = targetPackages.Kernel(board.DebianArch),
            ["busybox"] = Find(p => p.Name == "busybox-static", "busybox-static"),
            ["libc"] = Find(p => p.Name == "libc6", "libc6"),
            ["grub"] = Find(p => p.Name.StartsWith("grub-efi-", StringComparison.Ordinal), "grub-efi-*-bin package"),
        };
    }

    private string Artifact(params string[] parts) => Path.Combine([artifactsDirectory, .. parts]);

    /// <param name="kernelModule">jailhouse.ko built for the pinned kernel (`jailhouse kmod build`), or null for none.</param>
    /// <param name="hypervisor">jailhouse.bin (hypervisor/, Cake target Hypervisor), or null for none.</param>
    /// <param name="builtInmates">A folder of inmates built beforehand (the C# ones, `jailhouse inmate build`):
    /// its *.bin files join the assembly inmates in /usr/lib/jailhouse/inmates/; null for none.</param>
    public void Assemble(string nativeCli, DateTimeOffset timestamp, string? kernelModule = null, string? hypervisor = null, string? builtInmates = null)
    {
        var packages = Packages();
        var wanted = packages.Select(p => (p.Value, Artifact("packages", p.Value.Name))).ToList();
        var extracted = packages.Keys.Zip(cache.ExtractAll(wanted)).ToDictionary(p => p.First, p => p.Second);
        // What this board was made from, as a lock (the resolved set, substitutions included).
        AtomicFile.Write(Artifact("packages.lock"), System.Text.Encoding.UTF8.GetBytes(
            PackageLock.Format(targetPackages.All, [$"The target packages {board.Name} was built from (resolved from {Path.GetFileName(targetPackages.LockFile)})."])));
        string kernelVersion = packages["kernel"].Name["linux-image-".Length..];

        // Kernel: on arm64 Debian's vmlinuz already is a raw Image; on x86 a bzImage.
        Directory.CreateDirectory(Artifact("kernel"));
        CopyFile(Path.Combine(extracted["kernel"], "boot", $"vmlinuz-{kernelVersion}"), Artifact("kernel", board.KernelFileName));
        CopyFile(Path.Combine(extracted["kernel"], "boot", $"config-{kernelVersion}"), Artifact("kernel", "config"));
        if (board.DeviceTree is { } dtb)
            CopyFile(Path.Combine(extracted["kernel"], "usr", "lib", $"linux-image-{kernelVersion}", dtb), Artifact("kernel", Path.GetFileName(dtb)));

        AssembleRootfs(extracted, nativeCli, builtInmates);
        if (kernelModule is not null)
        {
            // Where modprobe looks for out-of-tree modules of this kernel.
            string extra = Artifact("rootfs", "lib", "modules", kernelVersion, "extra");
            Directory.CreateDirectory(extra);
            CopyFile(kernelModule, Path.Combine(extra, "jailhouse.ko"));
        }
        // Where the driver's request_firmware finds it on `jailhouse enable`.
        if (hypervisor is not null)
            CopyFile(hypervisor, Artifact("rootfs", "lib", "firmware", "jailhouse.bin"));
        using (var initrd = new MemoryStream())
        {
            InitramfsBuilder.Write(Artifact("rootfs"), initrd, timestamp);
            AtomicFile.Write(Artifact("initrd.img"), initrd.ToArray(), createDirectory: true);
        }

        Directory.CreateDirectory(Artifact("grub"));
        BuildGrubEfi(Path.Combine(extracted["grub"], "usr", "lib", "grub", board.GrubPlatform), Artifact("grub", board.EfiLoaderName));
        string cfg = GrubConfigWriter.Write($"Jailhouse {board.Name}", "/" + board.KernelFileName, "/initrd.img",
            board.DeviceTree is null ? null : "/" + Path.GetFileName(board.DeviceTree),
            ReservationPlanner.KernelArguments(board, board.Jailhouse is null ? null : ReservationPlanner.Plan(board)));
        AtomicFile.Write(Artifact("grub", "grub.cfg"), System.Text.Encoding.UTF8.GetBytes(cfg), createDirectory: true);
    }

    private void AssembleRootfs(Dictionary<string, string> extracted, string nativeCli, string? builtInmates)
    {
        string rootfs = Artifact("rootfs");
        if (Directory.Exists(rootfs))
            Directory.Delete(rootfs, recursive: true);
        foreach (string dir in new[] { "bin", "sbin", "usr/sbin", "etc/jailhouse", "proc", "sys", "dev", "tmp", "lib/firmware" })
            Directory.CreateDirectory(Path.Combine(rootfs, dir));
        CopyFile(Path.Combine(extracted["busybox"], "bin", "busybox"), Path.Combine(rootfs, "bin", "busybox"), executable: true);

        // The NativeAOT CLI links against glibc: ship the dynamic loader, libc and libm.
        string triplet = board.DebianArch == "arm64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
        string loader = board.DebianArch == "arm64" ? "ld-linux-aarch64.so.1" : "ld-linux-x86-64.so.2";
        string libSource = Path.Combine(extracted["libc"], "lib", triplet);
        Directory.CreateDirectory(Path.Combine(rootfs, "lib", triplet));
        foreach (string library in new[] { loader, "libc.so.6", "libm.so.6" })
            CopyFile(Path.Combine(libSource, library), Path.Combine(rootfs, "lib", triplet, library), executable: true);
        // The interpreter path baked into executables: /lib/ld-linux-aarch64.so.1 or /lib64/ld-linux-x86-64.so.2.
        string interpreterDirectory = board.DebianArch == "arm64" ? "lib" : "lib64";
        Directory.CreateDirectory(Path.Combine(rootfs, interpreterDirectory));
        File.CreateSymbolicLink(Path.Combine(rootfs, interpreterDirectory, loader), $"/lib/{triplet}/{loader}");

        CopyFile(nativeCli, Path.Combine(rootfs, "usr", "sbin", "jailhouse"), executable: true);
        string configs = Artifact("configs");
        if (Directory.Exists(configs))
            foreach (string cell in Directory.EnumerateFiles(configs, "*.cell").Order(StringComparer.Ordinal))
                CopyFile(cell, Path.Combine(rootfs, "etc", "jailhouse", Path.GetFileName(cell)));
        // The demo inmates, ready for `jailhouse cell load`.
        string inmates = Path.Combine(rootfs, "usr", "lib", "jailhouse", "inmates");
        IEnumerable<string> built = builtInmates is null ? [] : Directory.EnumerateFiles(builtInmates, "*.bin").Order(StringComparer.Ordinal);
        foreach (string inmate in InmateBuilder.Build(repositoryRoot, board.DebianArch, Artifact("inmates")).Concat(built))
        {
            Directory.CreateDirectory(inmates);
            CopyFile(inmate, Path.Combine(inmates, Path.GetFileName(inmate)));
        }
        // Scripts /init runs for `jailhouse.test=NAME` on the kernel command line (the boot tests).
        // Bare-metal fixtures they use (tests/<arch>/*.S) are built like the inmates.
        string tests = Path.Combine(repositoryRoot, "bsp", "common", "tests");
        string installedTests = Path.Combine(rootfs, "usr", "lib", "jailhouse", "tests");
        if (Directory.Exists(tests))
        {
            foreach (string script in Directory.EnumerateFiles(tests, "*.sh").Order(StringComparer.Ordinal))
            {
                Directory.CreateDirectory(installedTests);
                CopyFile(script, Path.Combine(installedTests, Path.GetFileName(script)), executable: true);
            }
            foreach (string fixture in InmateBuilder.BuildArchFolder(tests, board.DebianArch, Artifact("test-fixtures")))
            {
                Directory.CreateDirectory(installedTests);
                CopyFile(fixture, Path.Combine(installedTests, Path.GetFileName(fixture)));
            }
            // Linux programs the scripts run (tests/<arch>/user/*.S), e.g. one using SVE at EL0.
            foreach (string program in InmateBuilder.BuildUserPrograms(tests, board.DebianArch, Artifact("test-programs")))
            {
                Directory.CreateDirectory(installedTests);
                CopyFile(program, Path.Combine(installedTests, Path.GetFileName(program)), executable: true);
            }
        }
        string init = Path.Combine(repositoryRoot, "bsp", "common", "init");
        CopyFile(init, Path.Combine(rootfs, "init"), executable: true);
        File.WriteAllText(Path.Combine(rootfs, "etc", "jailhouse", "board"), board.Name + "\n");
    }

    private static void CopyFile(string source, string destination, bool executable = false)
    {
        if (!File.Exists(source))
            throw new InputException(new SourceLocation(source, 0, 0), "missing: the package or build step that provides it did not run");
        File.Copy(source, destination, overwrite: true);
        File.SetUnixFileMode(destination, executable
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>
    /// A standalone GRUB EFI binary (grub-mkimage's output is the same run to run, unlike
    /// grub-mkstandalone's) with an embedded config that finds the ESP and reads its grub.cfg.
    /// </summary>
    private void BuildGrubEfi(string moduleDirectory, string output)
    {
        string early = Artifact("grub", "early.cfg");
        File.WriteAllText(early,
            "search --no-floppy --set=root --file /EFI/BOOT/grub.cfg\n" +
            "set prefix=($root)/EFI/BOOT\n" +
            "configfile ($root)/EFI/BOOT/grub.cfg\n");
        string[] modules = ["part_gpt", "part_msdos", "fat", "ext2", "normal", "linux", "configfile", "search",
            "search_fs_file", "echo", "ls", "cat", "gzio", .. (board.DebianArch == "arm64" ? new[] { "fdt" } : new[] { "efi_gop" })];
        var result = ExternalTool.Run("grub-mkimage",
            ["-O", board.GrubPlatform, "-d", moduleDirectory, "-c", early, "-p", "/EFI/BOOT", "-o", output + ".tmp", .. modules]);
        if (result.ExitCode != 0)
            throw new InputException(board.Origin, $"grub-mkimage failed (exit {result.ExitCode}): {result.Output.Trim()}");
        File.Move(output + ".tmp", output, overwrite: true);
    }
}
