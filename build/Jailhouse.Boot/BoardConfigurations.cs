using Jailhouse.Config;

namespace Jailhouse.Boot;

/// <summary>
/// A board's configurations, configs/&lt;board&gt;/*.yaml: the system configuration board.yaml names
/// (system-config, default &lt;board&gt;.yaml), further system configurations (alternatives such as
/// qemu-arm64-gicv2.yaml, checked on their own) and the cells, each checked with the system
/// configuration -- upstream's demos are alternatives, not one set.
/// </summary>
public sealed record BoardConfigurations(string Directory, IReadOnlyList<string> Files, string? SystemFile, IReadOnlyList<string> Cells, IReadOnlyList<string> AlternativeSystems)
{
    /// <summary>The folder beside bsp/: &lt;repository&gt;/configs/&lt;board&gt; for bsp/&lt;board&gt;/board.yaml.</summary>
    public static string DefaultDirectory(string boardFile, BoardDescription board) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(boardFile))!, "..", "..", "configs", board.Name);

    /// <summary>Sorts the YAML files of <paramref name="directory"/> (none if it does not exist) by what they are.</summary>
    public static BoardConfigurations Find(string directory, BoardDescription board)
    {
        var files = System.IO.Directory.Exists(directory)
            ? System.IO.Directory.EnumerateFiles(directory, "*.yaml").Order(StringComparer.Ordinal).ToList()
            : [];
        string systemName = board.SystemConfig ?? board.Name + ".yaml";
        string? system = files.FirstOrDefault(f => Path.GetFileName(f) == systemName);
        var cells = new List<string>();
        var alternatives = new List<string>();
        foreach (string file in files.Where(f => f != system))
        {
            if (ConfigFiles.Load(file, out _).IsSystem)
                alternatives.Add(file);
            else
                cells.Add(file);
        }
        return new BoardConfigurations(directory, files, system, cells, alternatives);
    }

    /// <summary>The file sets to check: the system alone, the system with each cell, each alternative alone (none without a system).</summary>
    public IEnumerable<IReadOnlyList<string>> CheckSets()
    {
        if (SystemFile is null)
            yield break;
        yield return [SystemFile];
        foreach (string cell in Cells)
            yield return [SystemFile, cell];
        foreach (string alternative in AlternativeSystems)
            yield return [alternative];
    }
}
