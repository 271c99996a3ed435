// The hypervisor image per architecture: ILCompiler compiles hypervisor/ (C#, own corelib, no
// runtime) into one object (one image per architecture), then `jailhouse hypervisor link`
// assembles the entry code and links artifacts/hypervisor/<arch>/jailhouse.{bin,elf}.

/// artifacts/hypervisor/<arch>/jailhouse.bin, what board assembly puts into /lib/firmware.
FilePath HypervisorImage(string arch) => ArtifactsRoot.CombineWithFilePath($"hypervisor/{arch}/jailhouse.bin");

void BuildHypervisor(string arch, string rid)
{
    var output = ArtifactsRoot.Combine($"hypervisor/{arch}");
    EnsureDirectoryExists(output);
    var watch = System.Diagnostics.Stopwatch.StartNew();
    DotNetPublish("hypervisor/Jailhouse.Hypervisor.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        Runtime = rid,
        NoLogo = true,
        Verbosity = DotNetVerbosity.Quiet,
    });
    Jailhouse("hypervisor", "link", "--arch", arch, "--configuration", configuration, "-o", output.FullPath);
    Information($"hypervisor {arch}: built in {watch.Elapsed.TotalSeconds:F1} s");
}

Task("Hypervisor")
    .Description("Build the hypervisor images artifacts/hypervisor/{arm64,x86}/jailhouse.{bin,elf}.")
    .IsDependentOn("Cli")
    .Does(() =>
    {
        BuildHypervisor("arm64", "linux-arm64");
        BuildHypervisor("x86", "linux-x64");
    });
