// Benchmarks print numbers; nothing is asserted.
Task("Benchmark")
    .Description("Config codec throughput, CLI start-up (NativeAOT vs dotnet jailhouse.dll) and native sizes, kmod, hypervisor and image build times, the end-to-end hypervisor boot on qemu-arm64.")
    .IsDependentOn("Packages")
    .Does(() =>
    {
        PublishNativeCli("linux-x64");
        PublishNativeCli("linux-arm64");
        var reference = RepositoryRoot.Combine("../shared/reference/jailhouse-cells").FullPath;
        DotNetRun("tests/Jailhouse.Benchmarks/Jailhouse.Benchmarks.csproj",
            new ProcessArgumentBuilder()
                .AppendQuoted(reference)
                .Append("--aot").AppendQuoted(NativeCli("linux-x64").FullPath)
                .Append("--dll").AppendQuoted(JailhouseDll.FullPath)
                .Append("--fat")
                .Append("--native-cli").AppendQuoted($"linux-x64={NativeCli("linux-x64").FullPath}")
                .Append("--native-cli").AppendQuoted($"linux-arm64={NativeCli("linux-arm64").FullPath}"),
            new DotNetRunSettings { Configuration = configuration });

        // The kernel module per architecture, headers already extracted (second build of the run).
        foreach (var arch in new[] { "arm64", "amd64" })
        {
            BuildKernelModule(arch);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Jailhouse("kmod", "build", "--arch", arch, "--repository", RepositoryRoot.FullPath, "--lock", ResolvedLock.FullPath, "-o", KernelModule(arch).FullPath);
            Information($"kmod build {arch}: {watch.Elapsed.TotalSeconds:F2} s, jailhouse.ko {new System.IO.FileInfo(KernelModule(arch).FullPath).Length} bytes");
        }
        // The hypervisor images: ILCompiler + link per architecture (BuildHypervisor prints the time).
        BuildHypervisor("arm64", "linux-arm64");
        BuildHypervisor("x86", "linux-x64");

        // Image builds from a warm cache: the boards' artifacts are assembled once, then only
        // `jailhouse image build` is timed.
        foreach (var name in Boards())
        {
            if (!FileExists(BoardArtifacts(name).CombineWithFilePath("initrd.img")))
                AssembleBoard(name);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            BuildImages(name);
            Information($"image build {name}: {watch.Elapsed.TotalSeconds:F2} s");
        }

        // End to end on qemu-arm64 (what HypervisorBootTests checks): boot, insmod, enable,
        // Linux as root cell, disable, rmmod, power off -- per GIC version and CPU count.
        var arm64 = BoardArtifacts("qemu-arm64");
        Information($"qemu-arm64 initrd.img {new System.IO.FileInfo(arm64.CombineWithFilePath("initrd.img").FullPath).Length} bytes, " +
            $"jailhouse.bin {new System.IO.FileInfo(arm64.CombineWithFilePath("rootfs/lib/firmware/jailhouse.bin").FullPath).Length} bytes");
        foreach (var (gic, cpus) in new[] { (3, 2), (2, 2), (3, 4) })
        {
            var arguments = new ProcessArgumentBuilder()
                .Append("-M").Append($"virt,virtualization=on,gic-version={gic},its=off").Append("-cpu").Append("cortex-a72")
                .Append("-smp").Append(cpus.ToString()).Append("-m").Append("1G").Append("-nographic").Append("-no-reboot")
                .Append("-kernel").AppendQuoted(arm64.CombineWithFilePath("kernel/Image").FullPath)
                .Append("-initrd").AppendQuoted(arm64.CombineWithFilePath("initrd.img").FullPath)
                .Append("-append").AppendQuoted("console=ttyAMA0 kvm-arm.mode=none mem=768M jailhouse.test=hypervisor");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            IEnumerable<string> console;
            StartProcess("qemu-system-aarch64", new ProcessSettings { Arguments = arguments, RedirectStandardOutput = true, Timeout = 120000 }, out console);
            bool passed = console.Any(l => l.Contains("jailhouse-image: test hypervisor passed"));
            Information($"end to end qemu-arm64 GICv{gic}, {cpus} CPUs: {watch.Elapsed.TotalSeconds:F1} s ({(passed ? "passed" : "FAILED")})");
        }
    });
