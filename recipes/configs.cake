// Compiles every YAML configuration under configs/<board>/ into artifacts/<board>/configs/*.cell
// and checks each board's configurations against its reservation: `jailhouse config build`, which
// skips the configurations whose YAML is unchanged.
Task("Configs")
    .Description("Compile configs/<board>/*.yaml for every board and check them (jailhouse config build).")
    .IsDependentOn("Cli")
    .Does(() =>
    {
        foreach (var name in BoardsWithConfigs())
            Jailhouse(Forced("config", "build", "--board", BoardFile(name).FullPath, "-o", BoardArtifacts(name).Combine("configs").FullPath));
    });
