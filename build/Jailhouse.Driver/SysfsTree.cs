namespace Jailhouse.Driver;

/// <summary>One cell as /sys/devices/jailhouse/cells/&lt;id&gt;/ shows it.</summary>
public sealed record CellStatus(int Id, string Name, string State, string CpusAssigned, string CpusFailed, string Directory);

/// <summary>
/// Reads /sys/devices/jailhouse (the driver's sysfs tree): whether the hypervisor is enabled, its
/// pools, console and cells. The root can be moved for tests.
/// </summary>
public sealed class SysfsTree(string root = SysfsTree.DefaultRoot)
{
    public const string DefaultRoot = "/sys/devices/jailhouse";

    public string Root { get; } = root;

    /// <summary>False when the driver is not loaded (no such directory).</summary>
    public bool DriverLoaded => Directory.Exists(Root);

    public bool Enabled => Read("enabled") == "1";

    public string Console => File.ReadAllText(Path.Combine(Root, "console"));

    public string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath)).TrimEnd('\n');

    /// <summary>The cells by ascending id.</summary>
    public IReadOnlyList<CellStatus> Cells()
    {
        string cells = Path.Combine(Root, "cells");
        if (!Directory.Exists(cells))
            return [];
        var list = new List<CellStatus>();
        foreach (string directory in Directory.EnumerateDirectories(cells))
        {
            if (!int.TryParse(Path.GetFileName(directory), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id))
                continue;
            string Field(string name) => File.ReadAllText(Path.Combine(directory, name)).TrimEnd('\n');
            list.Add(new CellStatus(id, Field("name"), Field("state"), Field("cpus_assigned_list"), Field("cpus_failed_list"), directory));
        }
        list.Sort((a, b) => a.Id.CompareTo(b.Id));
        return list;
    }

    /// <summary>A cell by its id (all digits) or its name; null if there is none.</summary>
    public CellStatus? FindCell(string nameOrId) =>
        Cells().FirstOrDefault(c => IsId(nameOrId) ? c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == nameOrId : c.Name == nameOrId);

    /// <summary>The cell's statistics (statistics/vmexits_*), in ordinal order of their names.</summary>
    public static IReadOnlyList<(string Name, string Value)> Statistics(CellStatus cell)
    {
        string statistics = Path.Combine(cell.Directory, "statistics");
        if (!Directory.Exists(statistics))
            return [];
        return Directory.EnumerateFiles(statistics).Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), File.ReadAllText(f).TrimEnd('\n'))).ToList();
    }

    public static bool IsId(string nameOrId) => nameOrId.Length > 0 && nameOrId.All(char.IsAsciiDigit);
}
