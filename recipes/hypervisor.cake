// The hypervisor image per architecture: ILCompiler compiles hypervisor/ (C#, own corelib, no
// runtime) into one object with the board's parameters, then `jailhouse hypervisor link`
// assembles the entry code and links artifacts/hypervisor/<arch>/jailhouse.{bin,elf}.

/// The board whose parameters an architecture's image gets: the given board (default --board)
/// if it is of that architecture, else the QEMU board.
string HypervisorBoard(string arch, string forBoard = null)
{
    forBoard ??= board;
    var yaml = System.IO.File.ReadAllLines($"bsp/{forBoard}/board.yaml");
    return yaml.Any(line => line.Trim() == $"arch: {arch}") ? forBoard : arch == "arm64" ? "qemu-arm64" : "qemu-x86";
}

/// artifacts/hypervisor/<arch>/jailhouse.bin, what board assembly puts into /lib/firmware.
FilePath HypervisorImage(string arch) => ArtifactsRoot.CombineWithFilePath($"hypervisor/{arch}/jailhouse.bin");

void BuildHypervisor(string arch, string rid, string forBoard = null)
{
    var output = ArtifactsRoot.Combine($"hypervisor/{arch}");
    EnsureDirectoryExists(output);
    var parameters = output.CombineWithFilePath("BoardParameters.cs");
    string boardName = HypervisorBoard(arch, forBoard);
    Jailhouse("boot", "params", "--board", $"bsp/{boardName}/board.yaml", "--format", "csharp", "-o", parameters.FullPath);
    var watch = System.Diagnostics.Stopwatch.StartNew();
    DotNetPublish("hypervisor/Jailhouse.Hypervisor.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        Runtime = rid,
        NoLogo = true,
        Verbosity = DotNetVerbosity.Quiet,
        MSBuildSettings = new DotNetMSBuildSettings().WithProperty("BoardParameters", parameters.FullPath),
    });
    Jailhouse("hypervisor", "link", "--arch", arch, "--configuration", configuration, "-o", output.FullPath);
    Information($"hypervisor {arch} for {boardName}: built in {watch.Elapsed.TotalSeconds:F1} s");
}

Task("Hypervisor")
    .Description("Build the hypervisor images artifacts/hypervisor/{arm64,x86}/jailhouse.{bin,elf}.")
    .IsDependentOn("Cli")
    .Does(() =>
    {
        BuildHypervisor("arm64", "linux-arm64");
        BuildHypervisor("x86", "linux-x64");
    });
