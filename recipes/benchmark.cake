// Benchmarks print numbers; nothing is asserted.
Task("Benchmark")
    .Description("Config codec throughput, CLI start-up (NativeAOT vs dotnet jailhouse.dll) and native sizes, kmod, hypervisor and image build times, the end-to-end hypervisor boots on qemu-arm64 and in Bochs (x86).")
    .IsDependentOn("Packages")
    .Does(() =>
    {
        PublishNativeCli("linux-x64");
        PublishNativeCli("linux-arm64");
        PublishNativeCli("linux-x64", host: true);
        var reference = RepositoryRoot.Combine("../shared/reference/jailhouse-cells").FullPath;
        DotNetRun("tests/Jailhouse.Benchmarks/Jailhouse.Benchmarks.csproj",
            new ProcessArgumentBuilder()
                .AppendQuoted(reference)
                .Append("--aot").AppendQuoted(NativeCli("linux-x64").FullPath)
                .Append("--dll").AppendQuoted(JailhouseDll.FullPath)
                .Append("--fat")
                .Append("--native-cli").AppendQuoted($"linux-x64={NativeCli("linux-x64").FullPath}")
                .Append("--native-cli").AppendQuoted($"linux-arm64={NativeCli("linux-arm64").FullPath}")
                .Append("--native-cli").AppendQuoted($"host-linux-x64={NativeCli("linux-x64", host: true).FullPath}"),
            new DotNetRunSettings { Configuration = configuration });

        // The kernel module per architecture, headers already extracted (second build of the run).
        foreach (var arch in new[] { "arm64", "amd64" })
        {
            BuildKernelModule(arch);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Jailhouse("kmod", "build", "--force", "--arch", arch, "--repository", RepositoryRoot.FullPath, "--lock", ResolvedLock.FullPath, "-o", KernelModule(arch).FullPath);
            Information($"kmod build {arch}: {watch.Elapsed.TotalSeconds:F2} s, jailhouse.ko {new System.IO.FileInfo(KernelModule(arch).FullPath).Length} bytes");
        }
        // The hypervisor images: ILCompiler + link per architecture (the command prints the time).
        foreach (var arch in new[] { "arm64", "x86" })
            Jailhouse("hypervisor", "build", "--force", "--arch", arch, "--source", RepositoryRoot.Combine("hypervisor").FullPath,
                "--configuration", configuration, "-o", ArtifactsRoot.Combine($"hypervisor/{arch}").FullPath);

        // Image builds from a warm cache: the boards' artifacts are assembled once, then only
        // `jailhouse image build` is timed.
        foreach (var name in Boards())
        {
            if (!FileExists(BoardArtifacts(name).CombineWithFilePath("initrd.img")))
                AssembleBoard(name);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Jailhouse("image", "build", "--force", RepositoryRoot.CombineWithFilePath($"bsp/{name}/image.yaml").FullPath, "--board", name,
                "--artifacts", BoardArtifacts(name).FullPath, "-o", BoardArtifacts(name).Combine("images").FullPath);
            Information($"image build {name}: {watch.Elapsed.TotalSeconds:F2} s");
        }

        // End to end on qemu-arm64 (what HypervisorBootTests checks): boot, insmod, enable,
        // Linux as root cell, disable, rmmod, power off -- per GIC version and CPU count.
        var arm64 = BoardArtifacts("qemu-arm64");
        Information($"qemu-arm64 initrd.img {new System.IO.FileInfo(arm64.CombineWithFilePath("initrd.img").FullPath).Length} bytes, " +
            $"jailhouse.bin {new System.IO.FileInfo(arm64.CombineWithFilePath("rootfs/lib/firmware/jailhouse.bin").FullPath).Length} bytes");
        // The kernel command line is the board's plan (console, kvm-arm.mode, the mem= reservation).
        string cmdline = string.Join(" ", JailhouseOutput("boot", "cmdline", "--board", BoardFile("qemu-arm64").FullPath, "--for", "raw")).Trim();
        foreach (var (gic, cpus) in new[] { (3, 2), (2, 2), (3, 4) })
        {
            var arguments = new ProcessArgumentBuilder()
                .Append("-M").Append($"virt,virtualization=on,gic-version={gic},its=off").Append("-cpu").Append("cortex-a72")
                .Append("-smp").Append(cpus.ToString()).Append("-m").Append("1G").Append("-nographic").Append("-no-reboot")
                .Append("-kernel").AppendQuoted(arm64.CombineWithFilePath("kernel/Image").FullPath)
                .Append("-initrd").AppendQuoted(arm64.CombineWithFilePath("initrd.img").FullPath)
                .Append("-append").AppendQuoted($"{cmdline} jailhouse.test=hypervisor");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            IEnumerable<string> console;
            StartProcess("qemu-system-aarch64", new ProcessSettings { Arguments = arguments, RedirectStandardOutput = true, Timeout = 120000 }, out console);
            bool passed = console.Any(l => l.Contains("jailhouse-image: test hypervisor passed"));
            Information($"end to end qemu-arm64 GICv{gic}, {cpus} CPUs: {watch.Elapsed.TotalSeconds:F1} s ({(passed ? "passed" : "FAILED")})");
        }

        // End to end on x86 in Bochs (what BochsBootTests checks) with the Bochs machine's root
        // cell (tests/Jailhouse.Tests/fixtures/bochs/): the boot's wall time, Linux's uptime at
        // enable (emulated seconds) and the root cell's VM exits by reason.
        var x86 = BoardArtifacts("qemu-x86");
        if (!FileExists(x86.CombineWithFilePath("initrd.img")))
            AssembleBoard("qemu-x86");
        var bochsCell = x86.CombineWithFilePath("bochs-x86.cell");
        Jailhouse("config", "compile", RepositoryRoot.CombineWithFilePath("tests/Jailhouse.Tests/fixtures/bochs/bochs-x86.yaml").FullPath, "-o", bochsCell.FullPath);
        var bochsWatch = System.Diagnostics.Stopwatch.StartNew();
        var bochsConsole = JailhouseOutput("board", "boot", BoardFile("qemu-x86").FullPath, "--artifacts", x86.FullPath, "--machine", "bochs",
            "--timeout", "1800", "--cell", bochsCell.FullPath,
            "--append", "jailhouse.test=hypervisor-x86", "jailhouse.cell=bochs-x86.cell", "quiet", "io_delay=none").ToList();
        bool bochsPassed = bochsConsole.Any(l => l.Contains("jailhouse-image: test hypervisor-x86 passed"));
        Information($"end to end qemu-x86 in Bochs, 2 CPUs: {bochsWatch.Elapsed.TotalSeconds:F1} s ({(bochsPassed ? "passed" : "FAILED")})");
        foreach (var line in bochsConsole.Where(l => l.Contains("| enable took") || l.Contains("| root cell vmexits_")))
            Information($"  Bochs {line.Substring(line.IndexOf('|') + 2)}");
    });

// Up-to-date checks, per board: `--target=Images` with every step forced (what a clean build does
// once the package cache is warm), with nothing changed, and after an edit of one configuration
// (the root cell's name in the system configuration, restored afterwards). Each run is a separate
// Cake process, so the times include Cake's start-up, as a user sees them.
Task("BenchmarkIncremental")
    .Description("Per board (--board for one): Images forced, Images with nothing changed, Images after one configuration edit.")
    .IsDependentOn("Cli")
    .Does(() =>
    {
        var boards = HasArgument("board") ? new[] { board } : Boards().ToArray();
        double Images(string name, bool force)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var arguments = new ProcessArgumentBuilder().Append("cake").Append("build.cake").Append("--target=Images").Append($"--board={name}")
                .Append($"--configuration={configuration}");
            if (force)
                arguments.Append("--force");
            Run("dotnet", arguments, RepositoryRoot.FullPath);
            return watch.Elapsed.TotalSeconds;
        }
        var results = new List<string>();
        foreach (var name in boards)
        {
            double clean = Images(name, force: true);
            double noop = Images(name, force: false);
            double edit = double.NaN;
            var system = RepositoryRoot.CombineWithFilePath($"configs/{name}/{name}.yaml").FullPath;
            if (System.IO.File.Exists(system))
            {
                string original = System.IO.File.ReadAllText(system);
                var match = System.Text.RegularExpressions.Regex.Match(original, "(?m)^  name: \"([^\"]*)\"");
                try
                {
                    System.IO.File.WriteAllText(system, original.Insert(match.Groups[1].Index + match.Groups[1].Length, "2"));
                    edit = Images(name, force: false);
                }
                finally
                {
                    System.IO.File.WriteAllText(system, original);
                }
                Images(name, force: false); // back to the committed configuration
            }
            results.Add($"{name}: clean (forced) {clean:F1} s, no-op {noop:F1} s, one configuration edited {(double.IsNaN(edit) ? "n/a (no configurations)" : $"{edit:F1} s")}");
        }
        foreach (var line in results)
            Information(line);
    });
