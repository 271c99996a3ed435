// Compiles every YAML configuration under configs/<board>/ into artifacts/<board>/configs/*.cell,
// checks each board's configurations against its reservation and draws the board's partitioning
// into artifacts/<board>/configs/map.html: `jailhouse config build --map`, which skips the
// configurations and the map whose inputs are unchanged. A target that builds one board
// (Default, Boot, Assemble, Images, Qemu) takes that board's configurations only.
// With --snapshot=S.tar (x86 bring-up, README "Bringing up a new x86 board") it first writes
// configs/<board>/<board>.yaml from that snapshot of the board (`jailhouse board root-cell`).
bool SingleBoardTarget => target is "Default" or "Boot" or "Assemble" or "Images" or "Qemu";

Task("Configs")
    .Description("Compile configs/<board>/*.yaml for every board (for one with a single-board target), check them and draw each board's map (jailhouse config build --map); --snapshot=S.tar first generates the --board's root cell from it.")
    .IsDependentOn("Cli")
    .Does(() =>
    {
        if (HasArgument("snapshot"))
            Jailhouse("board", "root-cell", BoardFile(board).FullPath, "--snapshot", MakeAbsolute(File(Argument<string>("snapshot"))).FullPath,
                "-o", RepositoryRoot.CombineWithFilePath($"configs/{board}/{board}.yaml").FullPath);
        foreach (var name in BoardsWithConfigs().Where(b => !SingleBoardTarget || b == board))
        {
            var configs = BoardArtifacts(name).Combine("configs");
            Jailhouse(Forced("config", "build", "--board", BoardFile(name).FullPath, "-o", configs.FullPath,
                "--map", configs.CombineWithFilePath("map.html").FullPath));
        }
    });
