// Compiles every YAML configuration under configs/<board>/ into artifacts/<board>/configs/*.cell
// and checks each board's configurations against its reservation: `jailhouse config build`, which
// skips the configurations whose YAML is unchanged; then draws the board's partitioning into
// artifacts/<board>/configs/map.html (`jailhouse config map --board`).
// With --snapshot=S.tar (x86 bring-up, README "Bringing up a new x86 board") it first writes
// configs/<board>/<board>.yaml from that snapshot of the board (`jailhouse board root-cell`).
Task("Configs")
    .Description("Compile configs/<board>/*.yaml for every board, check them (jailhouse config build) and draw each board's map (config map); --snapshot=S.tar first generates the --board's root cell from it.")
    .IsDependentOn("Cli")
    .Does(() =>
    {
        if (HasArgument("snapshot"))
            Jailhouse("board", "root-cell", BoardFile(board).FullPath, "--snapshot", MakeAbsolute(File(Argument<string>("snapshot"))).FullPath,
                "-o", RepositoryRoot.CombineWithFilePath($"configs/{board}/{board}.yaml").FullPath);
        foreach (var name in BoardsWithConfigs())
        {
            var configs = BoardArtifacts(name).Combine("configs");
            Jailhouse(Forced("config", "build", "--board", BoardFile(name).FullPath, "-o", configs.FullPath));
            Jailhouse("config", "map", "--board", BoardFile(name).FullPath, "-o", configs.CombineWithFilePath("map.html").FullPath);
            Information($"{name}: map -> {configs.CombineWithFilePath("map.html")}");
        }
    });
