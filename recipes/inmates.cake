// The C# demo inmates (inmates/demos/, arm64): `jailhouse inmate build` publishes each with
// ILCompiler and links artifacts/inmates/arm64/<name>.{bin,elf} at a cell's guest address 0, or
// says they are up to date. Board assembly ships them in /usr/lib/jailhouse/inmates/.

/// artifacts/inmates/<arch>/, what board assembly gets as --inmates.
DirectoryPath InmateImages(string arch) => ArtifactsRoot.Combine($"inmates/{arch}");

void BuildInmates(string arch) =>
    Jailhouse(Forced("inmate", "build", "--arch", arch, "--repository", RepositoryRoot.FullPath,
        "--configuration", configuration, "-o", InmateImages(arch).FullPath));

Task("Inmates")
    .Description("Build the C# demo inmates artifacts/inmates/arm64/{uart-demo,gic-demo}.{bin,elf}.")
    .IsDependentOn("Cli")
    .Does(() => BuildInmates("arm64"));
