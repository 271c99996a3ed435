// Benchmarks print numbers; nothing is asserted.
Task("Benchmark")
    .Description("Config codec throughput, CLI start-up (NativeAOT vs dotnet jailhouse.dll), hypervisor and image build times.")
    .IsDependentOn("Cli")
    .Does(() =>
    {
        PublishNativeCli("linux-x64");
        var reference = RepositoryRoot.Combine("../shared/reference/jailhouse-cells").FullPath;
        DotNetRun("tests/Jailhouse.Benchmarks/Jailhouse.Benchmarks.csproj",
            new ProcessArgumentBuilder()
                .AppendQuoted(reference)
                .Append("--aot").AppendQuoted(NativeCli("linux-x64").FullPath)
                .Append("--dll").AppendQuoted(JailhouseDll.FullPath)
                .Append("--fat"),
            new DotNetRunSettings { Configuration = configuration });

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
    });
