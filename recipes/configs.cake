// Compiles every YAML configuration under configs/<board>/ into artifacts/<board>/configs/*.cell.
Task("Configs")
    .Description("Compile configs/<board>/*.yaml for every board.")
    .IsDependentOn("Cli")
    .Does(() =>
    {
        foreach (var name in BoardsWithConfigs())
        {
            var output = BoardArtifacts(name).Combine("configs");
            EnsureDirectoryExists(output);
            var files = GetFiles($"configs/{name}/*.yaml").OrderBy(f => f.FullPath, StringComparer.Ordinal).ToList();
            foreach (var yaml in files)
                Jailhouse("config", "compile", yaml.FullPath, "-o", output.CombineWithFilePath(yaml.GetFilenameWithoutExtension() + ".cell").FullPath);
            Information($"{name}: {files.Count} configuration(s) -> {output}");
        }
    });
