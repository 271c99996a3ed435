// Benchmarks print numbers; nothing is asserted.
Task("Benchmark")
    .Description("Config codec throughput, CLI start-up (NativeAOT vs dotnet jailhouse.dll) and sizes, gic-demo's bare-metal timer latency, a cell's start-to-first-line time and gic-demo's latency in it, kmod, hypervisor, C# inmate and image build times, the end-to-end hypervisor boots on qemu-arm64 and in Bochs (x86).")
    .IsDependentOn("Packages")
    .Does(() =>
    {
        PublishNativeCli("linux-x64");
        PublishNativeCli("linux-arm64");
        PublishNativeCli("linux-x64", host: true);

        // The kernel module per architecture, headers already extracted (second build of the run;
        // the command prints the time).
        foreach (var arch in new[] { "arm64", "amd64" })
        {
            BuildKernelModule(arch);
            Jailhouse("kmod", "build", "--force", "--arch", arch, "--repository", RepositoryRoot.FullPath, "--lock", ResolvedLock.FullPath, "-o", KernelModule(arch).FullPath);
        }
        // The hypervisor images: ILCompiler + link per architecture (the command prints the time).
        foreach (var arch in new[] { "arm64", "x86" })
            Jailhouse("hypervisor", "build", "--force", "--arch", arch, "--source", RepositoryRoot.Combine("hypervisor").FullPath,
                "--configuration", configuration, "-o", ArtifactsRoot.Combine($"hypervisor/{arch}").FullPath);
        // The C# inmates: ILCompiler + link per demo (the command prints the time and sizes).
        Jailhouse("inmate", "build", "--force", "--arch", "arm64", "--repository", RepositoryRoot.FullPath,
            "--configuration", configuration, "-o", InmateImages("arm64").FullPath);
        // ... and linked at QEMU virt's RAM for the bare-metal latency run below.
        var bareMetalInmates = ArtifactsRoot.Combine("inmates/arm64-bare-metal");
        Jailhouse("inmate", "build", "--arch", "arm64", "--repository", RepositoryRoot.FullPath, "--configuration", configuration,
            "--base", "0x40200000", "-o", bareMetalInmates.FullPath);

        // Image builds from a warm cache: the boards' artifacts are assembled once, then only
        // `jailhouse image build` is timed (the command prints the time).
        foreach (var name in Boards())
        {
            AssembleBoard(name);
            Jailhouse("image", "build", "--force", RepositoryRoot.CombineWithFilePath($"bsp/{name}/image.yaml").FullPath, "--board", name,
                "--artifacts", BoardArtifacts(name).FullPath, "-o", BoardArtifacts(name).Combine("images").FullPath);
        }

        // End to end on qemu-arm64 (what HypervisorBootTests checks): boot, insmod, enable,
        // Linux as root cell, disable, rmmod, power off -- per GIC version and CPU count (the
        // command prints the time).
        var arm64 = BoardArtifacts("qemu-arm64");
        foreach (var (gic, cpus) in new[] { (3, 2), (2, 2), (3, 4) })
            Jailhouse("board", "boot", BoardFile("qemu-arm64").FullPath, "--artifacts", arm64.FullPath, "--test", "hypervisor",
                "--gic-version", gic.ToString(), "--cpus", cpus.ToString(), "--timeout", "120", "--quiet");

        // End to end on x86 in Bochs (what BochsBootTests checks) with the Bochs machine's root
        // cell (tests/Jailhouse.Tests/fixtures/bochs/): the command prints the boot's wall time and
        // the test's report lines (Linux's uptime at enable, the root cell's VM exits by reason).
        var x86 = BoardArtifacts("qemu-x86");
        AssembleBoard("qemu-x86");
        var bochsCell = x86.CombineWithFilePath("bochs-x86.cell");
        Jailhouse("config", "compile", RepositoryRoot.CombineWithFilePath("tests/Jailhouse.Tests/fixtures/bochs/bochs-x86.yaml").FullPath, "-o", bochsCell.FullPath);
        Jailhouse("board", "boot", BoardFile("qemu-x86").FullPath, "--artifacts", x86.FullPath, "--machine", "bochs",
            "--timeout", "1800", "--cell", bochsCell.FullPath, "--test", "hypervisor-x86",
            "--append", "jailhouse.cell=bochs-x86.cell", "quiet", "io_delay=none", "--quiet");

        // Codec, checker, FAT writer and start-up figures, then the sizes of what was built.
        var arguments = new ProcessArgumentBuilder()
            .AppendQuoted(RepositoryRoot.Combine("../shared/reference/jailhouse-cells").FullPath)
            .Append("--aot").AppendQuoted(NativeCli("linux-x64").FullPath)
            .Append("--dll").AppendQuoted(JailhouseDll.FullPath)
            .Append("--fat")
            .Append("--gic-demo").AppendQuoted(bareMetalInmates.CombineWithFilePath("gic-demo.bin").FullPath + "@0x40200000")
            .Append("--cell-gic-demo").AppendQuoted(RepositoryRoot.FullPath + "@" + ArtifactsRoot.CombineWithFilePath("hypervisor/arm64/jailhouse.bin").FullPath
                + "@" + InmateImages("arm64").CombineWithFilePath("gic-demo.bin").FullPath);
        var sizes = new List<(string, FilePath)>
        {
            ("NativeAOT jailhouse linux-x64 (target)", NativeCli("linux-x64")),
            ("NativeAOT jailhouse linux-arm64 (target)", NativeCli("linux-arm64")),
            ("NativeAOT jailhouse linux-x64 (host, all commands)", NativeCli("linux-x64", host: true)),
            ("jailhouse.ko arm64", KernelModule("arm64")),
            ("jailhouse.ko amd64", KernelModule("amd64")),
            ("jailhouse.bin arm64", ArtifactsRoot.CombineWithFilePath("hypervisor/arm64/jailhouse.bin")),
            ("jailhouse.bin x86", ArtifactsRoot.CombineWithFilePath("hypervisor/x86/jailhouse.bin")),
            ("inmate uart-demo.bin arm64 (C#)", InmateImages("arm64").CombineWithFilePath("uart-demo.bin")),
            ("inmate gic-demo.bin arm64 (C#)", InmateImages("arm64").CombineWithFilePath("gic-demo.bin")),
            ("qemu-arm64 initrd.img", arm64.CombineWithFilePath("initrd.img")),
        };
        foreach (var (label, path) in sizes)
            arguments.Append("--size").AppendQuoted($"{label}={path.FullPath}");
        DotNetRun("tests/Jailhouse.Benchmarks/Jailhouse.Benchmarks.csproj", arguments, new DotNetRunSettings { Configuration = configuration });
    });

// Up-to-date checks, per board (--board for one): Images forced, with nothing changed, and after
// one configuration edit; tests/Jailhouse.Benchmarks/IncrementalBuild.cs runs and times them.
Task("BenchmarkIncremental")
    .Description("Per board (--board for one): Images forced, Images with nothing changed, Images after one configuration edit.")
    .Does(() =>
    {
        var arguments = new ProcessArgumentBuilder().Append("incremental").AppendQuoted(RepositoryRoot.FullPath).Append(configuration);
        foreach (var name in HasArgument("board") ? new[] { board } : Boards().ToArray())
            arguments.Append(name);
        DotNetRun("tests/Jailhouse.Benchmarks/Jailhouse.Benchmarks.csproj", arguments, new DotNetRunSettings { Configuration = configuration });
    });
