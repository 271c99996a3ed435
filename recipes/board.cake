// A board's boot files, images and QEMU boot, driven by bsp/<board>/board.yaml and image.yaml.
FilePath BoardFile(string name) => RepositoryRoot.CombineWithFilePath($"bsp/{name}/board.yaml");

/// Boards with a bsp/<board>/board.yaml, in ordinal order.
IEnumerable<string> Boards() =>
    GetFiles("bsp/*/board.yaml").Select(f => f.GetDirectory().GetDirectoryName()).OrderBy(n => n, StringComparer.Ordinal);

/// `jailhouse board info` as a dictionary (name, debian-arch, runtime-id, qemu), asked once per board.
var boardInfos = new Dictionary<string, Dictionary<string, string>>();

Dictionary<string, string> BoardInfo(string name)
{
    lock (boardInfos)
    {
        if (!boardInfos.TryGetValue(name, out var info))
            boardInfos[name] = info = JailhouseOutput("board", "info", BoardFile(name).FullPath)
                .Where(l => l.Contains('=')).ToDictionary(l => l.Split('=')[0], l => l.Substring(l.IndexOf('=') + 1));
        return info;
    }
}

var publishedClis = new HashSet<string>();

/// What a board's assembly takes from shared steps: the NativeAOT CLI of its runtime, the driver of
/// its architecture, the hypervisor of its architecture and on arm64 the C# inmates (each built
/// once per run, or up to date).
void PrepareBoard(string name)
{
    var info = BoardInfo(name);
    string rid = info["runtime-id"];
    lock (publishedClis)
    {
        if (publishedClis.Add(rid))
            PublishNativeCli(rid);
        BuildKernelModule(info["debian-arch"]);
        if (builtHypervisors.Add(HypervisorArch(info)))
        {
            BuildHypervisor(HypervisorArch(info));
            if (info["debian-arch"] == "arm64")
                BuildInmates("arm64");
        }
    }
}

var builtHypervisors = new HashSet<string>();

/// The hypervisor image a board carries: arm64, or x86 for amd64 boards.
string HypervisorArch(Dictionary<string, string> info) => info["debian-arch"] == "arm64" ? "arm64" : "x86";

void AssembleBoard(string name)
{
    PrepareBoard(name);
    var info = BoardInfo(name);
    string rid = info["runtime-id"];
    var arguments = new List<string>(Forced("board", "assemble", BoardFile(name).FullPath))
    {
        "--artifacts", BoardArtifacts(name).FullPath,
        "--cli", NativeCli(rid).FullPath,
        "--kmod", KernelModule(info["debian-arch"]).FullPath,
        "--repository", RepositoryRoot.FullPath,
        "--lock", ResolvedLock.FullPath };
    // Every board carries our hypervisor (one image per architecture) as /lib/firmware/jailhouse.bin
    // (x86 runs under VT-x: Bochs in the tests, since QEMU's TCG has none).
    arguments.AddRange(new[] { "--hypervisor", HypervisorImage(HypervisorArch(info)).FullPath });
    // The C# demo inmates join the assembly ones in /usr/lib/jailhouse/inmates/.
    if (info["debian-arch"] == "arm64")
        arguments.AddRange(new[] { "--inmates", InmateImages("arm64").FullPath });
    Jailhouse(arguments.ToArray());
}

void BuildImages(string name) =>
    Jailhouse(Forced("image", "build", RepositoryRoot.CombineWithFilePath($"bsp/{name}/image.yaml").FullPath,
        "--board", name,
        "--artifacts", BoardArtifacts(name).FullPath,
        "-o", BoardArtifacts(name).Combine("images").FullPath));

Task("Boot")
    .Description("Write --board's boot files (plan, command lines for every consumer, grub.cfg, device tree) and its patched kernel .config to artifacts/<board>/boot/.")
    .IsDependentOn("Assemble")
    .Does(() =>
    {
        var boot = BoardArtifacts(board).Combine("boot");
        // Assemble copied the board's own device tree (if it has one) next to the kernel.
        var dtbs = GetFiles(BoardArtifacts(board).FullPath + "/kernel/*.dtb").Select(f => f.FullPath).ToList();
        var files = new List<string> { "boot", "files", "--board", BoardFile(board).FullPath, "-o", boot.FullPath };
        if (dtbs.Count == 1)
            files.AddRange(new[] { "--dtb", dtbs[0] });
        Jailhouse(files.ToArray());
        Jailhouse("kconfig", "patch", BoardArtifacts(board).CombineWithFilePath("kernel/config").FullPath,
            RepositoryRoot.CombineWithFilePath("bsp/common/jailhouse.fragment").FullPath,
            RepositoryRoot.CombineWithFilePath($"bsp/{board}/kernel.fragment").FullPath,
            "-o", boot.CombineWithFilePath("kernel.config").FullPath,
            "--repository", RepositoryRoot.FullPath, "--lock", ResolvedLock.FullPath);
    });

Task("Assemble")
    .Description("Kernel, initramfs (busybox, glibc, the NativeAOT CLI, jailhouse.ko, jailhouse.bin on arm64, the cells) and GRUB for --board.")
    .IsDependentOn("Configs")
    .IsDependentOn("Packages")
    .Does(() => AssembleBoard(board));

Task("Images")
    .Description("Build the images bsp/<board>/image.yaml describes into artifacts/<board>/images/.")
    .IsDependentOn("Assemble")
    .Does(() => BuildImages(board));

Task("AllImages")
    .Description("Assemble and build the images of every board (what the image and boot tests check); boards build in parallel where the cores allow.")
    .IsDependentOn("Configs")
    .IsDependentOn("Packages")
    .Does(() =>
    {
        var boards = Boards().ToList();
        // The shared steps first, one at a time; then the boards, which do not depend on each other.
        foreach (var name in boards)
            PrepareBoard(name);
        System.Threading.Tasks.Parallel.ForEach(boards,
            new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, System.Environment.ProcessorCount) },
            name =>
            {
                AssembleBoard(name);
                BuildImages(name);
            });
    });

Task("Qemu")
    .Description("Boot --board's image in QEMU (TCG, UEFI): /init must report ready and power off.")
    .IsDependentOn("Images")
    .Does(() =>
    {
        if (BoardInfo(board)["qemu"] != "yes")
            throw new CakeException($"{board} does not boot in QEMU");
        Jailhouse("board", "boot", BoardFile(board).FullPath, "--artifacts", BoardArtifacts(board).FullPath);
    });
