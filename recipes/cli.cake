// The jailhouse command line: built once for the host and run by the other recipes; published
// with NativeAOT for the targets.
FilePath JailhouseDll => RepositoryRoot.CombineWithFilePath($"build/Jailhouse.Cli/bin/{configuration}/net10.0/jailhouse.dll");

Task("Cli")
    .Description("Build the jailhouse CLI for the host.")
    .Does(() => DotNetBuild("build/Jailhouse.Cli/Jailhouse.Cli.csproj", new DotNetBuildSettings
    {
        Configuration = configuration,
        NoLogo = true,
        Verbosity = DotNetVerbosity.Quiet,
    }));

/// Runs `jailhouse ARGS...` on the host (needs the Cli task).
void Jailhouse(params string[] arguments)
{
    var builder = new ProcessArgumentBuilder().AppendQuoted(JailhouseDll.FullPath);
    foreach (var argument in arguments)
        builder.AppendQuoted(argument);
    Run("dotnet", builder);
}

/// Where the NativeAOT CLI for a runtime identifier (linux-x64, linux-arm64) is published.
FilePath NativeCli(string rid) => ArtifactsRoot.CombineWithFilePath($"cli/{rid}/jailhouse");

void PublishNativeCli(string rid)
{
    var settings = new DotNetPublishSettings
    {
        Configuration = configuration,
        Runtime = rid,
        OutputDirectory = NativeCli(rid).GetDirectory(),
        NoLogo = true,
        Verbosity = DotNetVerbosity.Quiet,
        MSBuildSettings = new DotNetMSBuildSettings().WithProperty("PublishAot", "true"),
    };
    if (rid == "linux-arm64")
    {
        // Cross-compile without a sysroot: clang drives the link with lld against the
        // aarch64-linux-gnu libraries of Debian's cross packages.
        settings.MSBuildSettings
            .WithProperty("CppCompilerAndLinker", "clang")
            .WithProperty("LinkerFlavor", "lld")
            .WithProperty("ObjCopyName", "aarch64-linux-gnu-objcopy");
    }
    DotNetPublish("build/Jailhouse.Cli/Jailhouse.Cli.csproj", settings);
    Information($"{NativeCli(rid)}: {new System.IO.FileInfo(NativeCli(rid).FullPath).Length} bytes");
}

Task("CliNative")
    .Description("Publish the NativeAOT jailhouse CLI for linux-x64 and linux-arm64.")
    .Does(() =>
    {
        PublishNativeCli("linux-x64");
        PublishNativeCli("linux-arm64");
    });
