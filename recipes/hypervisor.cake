// The hypervisor image per architecture (one for every board of it): `jailhouse hypervisor build`
// publishes hypervisor/ with ILCompiler and links artifacts/hypervisor/<arch>/jailhouse.{bin,elf},
// or says it is up to date.

/// artifacts/hypervisor/<arch>/jailhouse.bin, what board assembly puts into /lib/firmware.
FilePath HypervisorImage(string arch) => ArtifactsRoot.CombineWithFilePath($"hypervisor/{arch}/jailhouse.bin");

void BuildHypervisor(string arch) =>
    Jailhouse(Forced("hypervisor", "build", "--arch", arch, "--source", RepositoryRoot.Combine("hypervisor").FullPath,
        "--configuration", configuration, "-o", ArtifactsRoot.Combine($"hypervisor/{arch}").FullPath));

Task("Hypervisor")
    .Description("Build the hypervisor images artifacts/hypervisor/{arm64,x86}/jailhouse.{bin,elf}.")
    .IsDependentOn("Cli")
    .Does(() =>
    {
        BuildHypervisor("arm64");
        BuildHypervisor("x86");
    });
