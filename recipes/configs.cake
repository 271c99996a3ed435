// Compiles every YAML configuration under configs/<board>/ into artifacts/<board>/configs/*.cell
// and checks each board's system configuration with each of its cells (and the board's reservation),
// then draws the board's partitioning into artifacts/<board>/configs/map.html (jailhouse config map).
Task("Configs")
    .Description("Compile configs/<board>/*.yaml for every board, check them (jailhouse config check) and draw each board's map (config map).")
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
            CheckBoardConfigs(name, files);
        }
    });

/// The system configuration is configs/<board>/<board>.yaml; the other files are its cells,
/// checked one at a time with it (upstream's demos are alternatives, not one set). Further system
/// configurations (a top-level `system:` key, e.g. qemu-arm64-gicv2.yaml) are checked on their own.
/// The map shows the system with all its cells, checked the same way (--alternatives).
void CheckBoardConfigs(string name, List<FilePath> files)
{
    var system = files.FirstOrDefault(f => f.GetFilenameWithoutExtension().ToString() == name);
    if (system is null)
        return;
    var board = MakeAbsolute(new FilePath($"bsp/{name}/board.yaml"));
    var reservation = FileExists(board) ? new[] { "--board", board.FullPath } : new string[0];
    bool IsSystem(FilePath f) => System.IO.File.ReadLines(f.FullPath).Any(l => l.StartsWith("system:", StringComparison.Ordinal));
    var others = files.Where(f => f.FullPath != system.FullPath).ToList();
    foreach (var cell in others.Where(f => !IsSystem(f)).Select(f => new[] { f.FullPath }).Prepend(new string[0]))
        Jailhouse(new[] { "config", "check", system.FullPath }.Concat(cell).Concat(reservation).ToArray());
    foreach (var alternative in others.Where(IsSystem))
        Jailhouse(new[] { "config", "check", alternative.FullPath }.Concat(reservation).ToArray());
    var map = BoardArtifacts(name).Combine("configs").CombineWithFilePath("map.html").FullPath;
    Jailhouse(new[] { "config", "map", system.FullPath }.Concat(others.Where(f => !IsSystem(f)).Select(f => f.FullPath))
        .Concat(reservation).Concat(new[] { "--alternatives", "-o", map }).ToArray());
    Information($"{name}: map -> {map}");
}
