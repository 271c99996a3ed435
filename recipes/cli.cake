// The jailhouse command line: built once for the host and run by the other recipes; published
// with NativeAOT for the targets.
FilePath JailhouseDll => RepositoryRoot.CombineWithFilePath($"build/Jailhouse.Cli/bin/{configuration}/net10.0/jailhouse.dll");

Task("Cli")
    .Description("Build the jailhouse CLI for the host.")
    .Does(() =>
    {
        var build = new[] { "dotnet", "build", RepositoryRoot.CombineWithFilePath("build/Jailhouse.Cli/Jailhouse.Cli.csproj").FullPath,
            "-c", configuration, "--nologo", "-v", "q" };
        // A `dotnet build` with nothing to do still costs MSBuild's start and evaluation (about 7 s
        // on 2 cores): once a host CLI exists, it compares the sources' stamp first.
        if (!FileExists(JailhouseDll))
        {
            var arguments = new ProcessArgumentBuilder();
            foreach (var argument in build.Skip(1))
                arguments.AppendQuoted(argument);
            Run(build[0], arguments);
            return;
        }
        var check = Forced("uptodate", "run", "--stamp", ArtifactsRoot.CombineWithFilePath($"cli/.stamps/host-{configuration}.stamp").FullPath)
            .Concat(CliSourceInputs()).Concat(new[] { "--option", $"configuration={configuration}", "--output", JailhouseDll.FullPath, "--" });
        Jailhouse(check.Concat(build).ToArray());
    });

/// <summary>What the CLI is built from: build/ (sources and projects), the props, the NuGet
/// configuration, the hypervisor header compiled into Jailhouse.Binaries, and the SDK.</summary>
string[] CliSourceInputs() => new[]
{
    "--input", RepositoryRoot.Combine("build").FullPath,
    "--input", RepositoryRoot.CombineWithFilePath("Directory.Build.props").FullPath,
    "--input", RepositoryRoot.CombineWithFilePath("nuget.config").FullPath,
    // Compiled into Jailhouse.Binaries from the hypervisor, the one home of the header layout.
    "--input", RepositoryRoot.CombineWithFilePath("hypervisor/HypervisorHeader.cs").FullPath,
    "--tool", "dotnet --version",
};

/// Runs `jailhouse ARGS...` on the host (needs the Cli task).
void Jailhouse(params string[] arguments)
{
    var builder = new ProcessArgumentBuilder().AppendQuoted(JailhouseDll.FullPath);
    foreach (var argument in arguments)
        builder.AppendQuoted(argument);
    Run("dotnet", builder);
}

/// What `jailhouse ARGS...` prints on standard output, line by line (a non-zero exit fails the build).
IEnumerable<string> JailhouseOutput(params string[] arguments)
{
    var builder = new ProcessArgumentBuilder().AppendQuoted(JailhouseDll.FullPath);
    foreach (var argument in arguments)
        builder.AppendQuoted(argument);
    IEnumerable<string> lines;
    int exit = StartProcess("dotnet", new ProcessSettings { Arguments = builder, RedirectStandardOutput = true }, out lines);
    if (exit != 0)
        throw new CakeException($"jailhouse {string.Join(" ", arguments)} failed with exit code {exit}");
    return lines.ToList();
}

/// Where the NativeAOT CLI for a runtime identifier (linux-x64, linux-arm64) is published: the
/// target flavour, shipped on images (configuration model, `config collect`, driver commands,
/// console), or with `host: true` every command (only the benchmark builds it, to print its size).
FilePath NativeCli(string rid, bool host = false) => ArtifactsRoot.CombineWithFilePath($"cli/{(host ? "host-" : "")}{rid}/jailhouse");

/// Publishes the NativeAOT CLI for a runtime identifier, unless `jailhouse uptodate run` finds the
/// stamp of its inputs (build/ sources and projects, the props, the SDK and clang versions) current.
void PublishNativeCli(string rid, bool host = false)
{
    string name = (host ? "host-" : "") + rid;
    var publish = new List<string> { "dotnet", "publish", RepositoryRoot.CombineWithFilePath("build/Jailhouse.Cli/Jailhouse.Cli.csproj").FullPath,
        "-c", configuration, "-r", rid, "-o", NativeCli(rid, host).GetDirectory().FullPath, "--nologo", "-v", "q", "-p:PublishAot=true",
        $"-p:JailhouseTargetFlavor={(host ? "false" : "true")}",
        // Its own obj/ tree (Directory.Build.props says why).
        $"-p:JailhouseIntermediateName=publish-{name}" };
    // Cross-compile without a sysroot: clang drives the link with lld against the aarch64-linux-gnu
    // libraries of Debian's cross packages.
    if (rid == "linux-arm64")
        publish.AddRange(new[] { "-p:CppCompilerAndLinker=clang", "-p:LinkerFlavor=lld", "-p:ObjCopyName=aarch64-linux-gnu-objcopy" });
    var check = Forced("uptodate", "run", "--stamp", ArtifactsRoot.CombineWithFilePath($"cli/.stamps/{name}.stamp").FullPath)
        .Concat(CliSourceInputs())
        .Concat(new[] { "--tool", "clang --version",
            "--option", $"rid={rid}", "--option", $"flavour={(host ? "host" : "target")}", "--option", $"configuration={configuration}",
            "--output", NativeCli(rid, host).FullPath });
    Jailhouse(check.Concat(new[] { "--" }).Concat(publish).ToArray());
}

Task("CliNative")
    .Description("Publish the NativeAOT jailhouse CLI for linux-x64 and linux-arm64.")
    .Does(() =>
    {
        PublishNativeCli("linux-x64");
        PublishNativeCli("linux-arm64");
    });
