// A board's boot files, images and QEMU boot, driven by bsp/<board>/board.yaml and image.yaml.
FilePath BoardFile(string name) => RepositoryRoot.CombineWithFilePath($"bsp/{name}/board.yaml");

/// Boards with a bsp/<board>/board.yaml, in ordinal order.
IEnumerable<string> Boards() =>
    GetFiles("bsp/*/board.yaml").Select(f => f.GetDirectory().GetDirectoryName()).OrderBy(n => n, StringComparer.Ordinal);

/// `jailhouse board info` as a dictionary (name, debian-arch, runtime-id, qemu).
Dictionary<string, string> BoardInfo(string name)
{
    var settings = new ProcessSettings
    {
        Arguments = new ProcessArgumentBuilder().AppendQuoted(JailhouseDll.FullPath).Append("board").Append("info").AppendQuoted(BoardFile(name).FullPath),
        RedirectStandardOutput = true,
    };
    IEnumerable<string> lines;
    int exit = StartProcess("dotnet", settings, out lines);
    if (exit != 0)
        throw new CakeException($"jailhouse board info {BoardFile(name)} failed with exit code {exit}");
    return lines.Where(l => l.Contains('=')).ToDictionary(l => l.Split('=')[0], l => l.Substring(l.IndexOf('=') + 1));
}

var publishedClis = new HashSet<string>();

void AssembleBoard(string name)
{
    var info = BoardInfo(name);
    string rid = info["runtime-id"];
    if (publishedClis.Add(rid))
        PublishNativeCli(rid);
    BuildKernelModule(info["debian-arch"]);
    var arguments = new List<string> { "board", "assemble", BoardFile(name).FullPath,
        "--artifacts", BoardArtifacts(name).FullPath,
        "--cli", NativeCli(rid).FullPath,
        "--kmod", KernelModule(info["debian-arch"]).FullPath,
        "--repository", RepositoryRoot.FullPath };
    // Every board carries our hypervisor, built with its parameters, as /lib/firmware/jailhouse.bin
    // (x86 runs under VT-x: Bochs in the tests, since QEMU's TCG has none).
    string hypervisorArch = info["debian-arch"] == "arm64" ? "arm64" : "x86";
    BuildHypervisor(hypervisorArch, info["runtime-id"], name);
    arguments.AddRange(new[] { "--hypervisor", HypervisorImage(hypervisorArch).FullPath });
    Jailhouse(arguments.ToArray());
}

void BuildImages(string name) =>
    Jailhouse("image", "build", RepositoryRoot.CombineWithFilePath($"bsp/{name}/image.yaml").FullPath,
        "--board", name,
        "--artifacts", BoardArtifacts(name).FullPath,
        "-o", BoardArtifacts(name).Combine("images").FullPath);

Task("Boot")
    .Description("Write --board's boot files (plan, command lines for every consumer, grub.cfg, board parameters) and its patched kernel .config to artifacts/<board>/boot/.")
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
            "--repository", RepositoryRoot.FullPath);
    });

Task("Assemble")
    .Description("Kernel, initramfs (busybox, glibc, the NativeAOT CLI, jailhouse.ko, jailhouse.bin on arm64, the cells) and GRUB for --board.")
    .IsDependentOn("Configs")
    .Does(() => AssembleBoard(board));

Task("Images")
    .Description("Build the images bsp/<board>/image.yaml describes into artifacts/<board>/images/.")
    .IsDependentOn("Assemble")
    .Does(() => BuildImages(board));

Task("AllImages")
    .Description("Assemble and build the images of every board (what the image and boot tests check).")
    .IsDependentOn("Configs")
    .Does(() =>
    {
        foreach (var name in Boards())
        {
            AssembleBoard(name);
            BuildImages(name);
        }
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
