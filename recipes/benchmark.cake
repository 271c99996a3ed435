// Benchmarks print numbers; nothing is asserted.
Task("Benchmark")
    .Description("Config codec throughput and CLI start-up (NativeAOT vs dotnet jailhouse.dll).")
    .IsDependentOn("Cli")
    .Does(() =>
    {
        PublishNativeCli("linux-x64");
        var reference = RepositoryRoot.Combine("../shared/reference/jailhouse-cells").FullPath;
        DotNetRun("tests/Jailhouse.Benchmarks/Jailhouse.Benchmarks.csproj",
            new ProcessArgumentBuilder()
                .AppendQuoted(reference)
                .Append("--aot").AppendQuoted(NativeCli("linux-x64").FullPath)
                .Append("--dll").AppendQuoted(JailhouseDll.FullPath),
            new DotNetRunSettings { Configuration = configuration });
    });
