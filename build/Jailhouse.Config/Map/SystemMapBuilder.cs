using Jailhouse.Config.Check;
using Jailhouse.Config.Model;
using Jailhouse.Config.Text;

namespace Jailhouse.Config.Map;

/// <summary>
/// Builds a <see cref="SystemMap"/> from the configurations of one check and its findings. Each
/// finding is placed at what its entry names (the entry strings come from
/// <see cref="CheckedCell"/>, the same place the rules take them from).
/// </summary>
public static class SystemMapBuilder
{
    /// <summary>
    /// Loads and checks the files (as `config check` does) and maps them. With
    /// <paramref name="alternatives"/> the cells are not one set but alternatives (as upstream's
    /// demos often are): each is checked with the system configuration alone, so two cells that
    /// never run together are not reported as conflicting; the map still shows them side by side.
    /// </summary>
    public static SystemMap FromFiles(IReadOnlyList<string> paths, CheckOptions options, MapBoard? board, bool alternatives = false)
    {
        var report = ConfigChecker.CheckFiles(paths, options, out var inputs);
        if (alternatives && inputs.FirstOrDefault(i => i.Config.IsSystem) is { } system)
        {
            var findings = new List<Finding>(ConfigChecker.Check([system], options).Findings);
            foreach (var cell in inputs.Where(i => !i.Config.IsSystem))
                findings.AddRange(ConfigChecker.Check([system, cell], options).Findings.Where(f => !findings.Contains(f)));
            // Files that could not be read at all stay findings of their own.
            var unreadable = report.Findings.Where(f => inputs.All(i => i.File != f.File));
            report = new CheckReport(report.Files, [.. unreadable, .. findings]);
        }
        return Build(inputs, report, board, alternatives);
    }

    public static SystemMap Build(IReadOnlyList<CheckInput> inputs, CheckReport report, MapBoard? board, bool alternatives = false)
    {
        var root = inputs.FirstOrDefault(i => i.Config.IsSystem);
        var cells = inputs.Where(i => i.Config.IsSystem).Concat(inputs.Where(i => !i.Config.IsSystem))
            .Select(i => new CheckedCell(i, i.Config.IsSystem)).ToList();
        var first = root ?? inputs.FirstOrDefault();
        string title = first?.Config.Cell.Name is { Length: > 0 } name ? name : "configuration";
        string arch = first is null ? "unknown" : Names.Architecture.FormatValue((ulong)first.Config.Architecture);
        int cpuCount = cells.SelectMany(c => c.Cell.Cpus).DefaultIfEmpty(-1).Max() + 1;

        var hypervisor = new List<MapArea>();
        var notes = new List<string>();
        if (root?.Config.System is { } system)
            DescribeHypervisor(system, root.Config.Cell, hypervisor, notes);

        // Messages name other files by the path given; the map names files without directories.
        var paths = inputs.Select(i => i.File).Concat(report.Files).Distinct().OrderByDescending(p => p.Length).ThenBy(p => p, StringComparer.Ordinal).ToList();
        string Local(string text) => paths.Aggregate(text, (t, p) => p.Length == 0 ? t : t.Replace(p, FileName(p), StringComparison.Ordinal));
        var findings = report.Findings
            .Select((f, i) => Place(f with { Message = Local(f.Message), Fix = Local(f.Fix) }, i + 1, cells, root?.Config.System)).ToList();
        return new SystemMap(title, arch, cpuCount, alternatives, board, hypervisor, notes, cells.Select(MapCellOf).ToList(),
            report.Errors, report.Warnings, findings);
    }

    private static string FileName(string path) => Path.GetFileName(path);

    private static void DescribeHypervisor(SystemConfig system, CellConfig rootCell, List<MapArea> areas, List<string> notes)
    {
        var hv = system.HypervisorMemory;
        if (hv.Size > 0)
            areas.Add(new MapArea("hypervisor memory", hv.PhysStart, hv.Size, MapKind.Hypervisor));
        var console = system.DebugConsole;
        if (!console.IsEmpty)
        {
            string type = Names.ConsoleType.FormatValue((ulong)console.Type);
            bool mmio = console.Flags.HasFlag(ConsoleFlags.Mmio);
            if (mmio && console.Address != 0)
                areas.Add(new MapArea($"debug console ({type})", console.Address, console.Size > 0 ? console.Size : 0x1000, MapKind.Intercepted));
            notes.Add($"debug console: {type} {(mmio ? "at" : "port")} 0x{console.Address:x}");
        }
        var platform = system.Platform;
        if (platform.PciMmconfigBase != 0)
            areas.Add(new MapArea($"PCI MMCONFIG (buses 0-{platform.PciMmconfigEndBus})", platform.PciMmconfigBase,
                PlatformRules.MmconfigSize(platform), MapKind.Intercepted));
        foreach (var unit in platform.IommuUnits.Where(u => u.Size > 0))
            areas.Add(new MapArea($"IOMMU ({Names.IommuType.FormatValue((ulong)unit.Type)})", unit.Base, unit.Size, MapKind.Intercepted));
        if (platform.Arm is { } arm)
        {
            foreach (var (frame, start, size) in ArmRules.GicFrames(arm, rootCell))
                areas.Add(new MapArea(frame, start, size, MapKind.Intercepted));
            notes.Add($"GICv{arm.GicVersion}, maintenance interrupt {arm.MaintenanceIrq}");
        }
        if (platform.PciMmconfigBase != 0)
            notes.Add($"PCI domain {platform.PciDomain}{(platform.PciIsVirtual != 0 ? " (virtual host bridge)" : "")}");
    }

    private static MapCell MapCellOf(CheckedCell cell)
    {
        var c = cell.Cell;
        var ivshmemRoles = new Dictionary<MemoryRegion, string>(ReferenceEqualityComparer.Instance);
        foreach (var device in c.PciDevices.Where(d => d.Type == PciDeviceType.Ivshmem))
            for (int j = 0; j < device.ShmemRegions.Count; j++)
                ivshmemRoles.TryAdd(device.ShmemRegions[j],
                    $"ivshmem {BdfSyntax.Format(device.Domain, device.Bdf)} {(j == 0 ? "state" : j == 1 ? "read/write" : $"output {j - 2}")}");
        var regions = new List<MapRegion>();
        for (int i = 0; i < c.MemoryRegions.Count; i++)
        {
            var r = c.MemoryRegions[i];
            if (r.Size == 0)
                continue;
            var kind = KindOf(r, ivshmemRoles.ContainsKey(r));
            string label = r.Name ?? ivshmemRoles.GetValueOrDefault(r) ?? $"{KindName(kind)} [{i}]";
            regions.Add(new MapRegion(label, cell.MemoryEntry(r), r.PhysStart, r.Size, r.VirtStart, kind,
                r.Flags == 0 ? [] : Names.MemoryFlags.FormatFlags((ulong)r.Flags).ToList()));
        }
        var irqchips = c.Irqchips.Select(chip => (chip, pins: chip.Pins().ToList()))
            .Where(x => x.pins.Count > 0)
            .Select(x => new MapIrqchip(x.chip.Address, RangeListSyntax.Format(x.pins), x.pins.Count)).ToList();
        var devices = c.PciDevices.Select(d => new MapPciDevice(
            BdfSyntax.Format(d.Domain, d.Bdf), Names.PciDeviceType.FormatValue((ulong)d.Type), d.Name, DeviceDetail(d))).ToList();
        string? console = c.Console.IsEmpty ? null
            : $"{Names.ConsoleType.FormatValue((ulong)c.Console.Type)} {(c.Console.Flags.HasFlag(ConsoleFlags.Mmio) ? "at" : "port")} 0x{c.Console.Address:x}";
        return new MapCell(cell.Name, FileName(cell.File), cell.IsRoot, c.Cpus.ToList(), regions, irqchips, devices, console);
    }

    /// <summary>The colour of a region: what it is for first (comm, ivshmem, I/O), then how it is shared or loaded.</summary>
    private static MapKind KindOf(MemoryRegion region, bool ivshmem) =>
        region.Flags.HasFlag(MemoryFlags.CommRegion) ? MapKind.CommRegion
        : ivshmem ? MapKind.Ivshmem
        : region.Flags.HasFlag(MemoryFlags.Io) ? MapKind.Io
        : region.Flags.HasFlag(MemoryFlags.RootShared) ? MapKind.Shared
        : region.Flags.HasFlag(MemoryFlags.Loadable) ? MapKind.Loadable
        : MapKind.Ram;

    public static string KindName(MapKind kind) => kind switch
    {
        MapKind.Ram => "RAM",
        MapKind.Loadable => "loadable RAM",
        MapKind.Io => "I/O",
        MapKind.Shared => "shared",
        MapKind.CommRegion => "comm region",
        MapKind.Ivshmem => "ivshmem",
        MapKind.Hypervisor => "hypervisor",
        MapKind.Intercepted => "owned by the hypervisor",
        MapKind.RamBank => "RAM bank",
        MapKind.Firmware => "firmware",
        MapKind.Reserved => "reserved for Jailhouse",
        _ => kind.ToString(),
    };

    private static string DeviceDetail(PciDevice d)
    {
        var parts = new List<string>();
        if (d.NumMsiVectors > 0)
            parts.Add($"{d.NumMsiVectors} MSI");
        if (d.NumMsixVectors > 0)
            parts.Add($"{d.NumMsixVectors} MSI-X");
        if (d.Type == PciDeviceType.Ivshmem)
            parts.Add($"peer {d.ShmemDevId} of {d.ShmemPeers}, {Names.ShmemProtocol.FormatValue(d.ShmemProtocol)}");
        return string.Join(", ", parts);
    }

    /// <summary>Finds the lane and range a finding's entry names.</summary>
    private static MapFinding Place(Finding f, int number, List<CheckedCell> cells, SystemConfig? system)
    {
        int lane = cells.FindIndex(c => c.File == f.File && c.Name == f.Cell);
        int? laneOrNone = lane >= 0 ? lane : null;
        string target = "file";
        (ulong Start, ulong Size)? range = null;
        if (f.Entry == "system.hypervisor-memory" && system is { } sys)
        {
            (target, laneOrNone, range) = ("hypervisor-memory", null, (sys.HypervisorMemory.PhysStart, sys.HypervisorMemory.Size));
        }
        else if (lane >= 0)
        {
            var cell = cells[lane];
            if (cell.Cell.MemoryRegions.FirstOrDefault(r => cell.MemoryEntry(r) == f.Entry) is { } region)
            {
                target = "memory";
                if (region.Size > 0 && !region.Flags.HasFlag(MemoryFlags.CommRegion))
                    range = (region.PhysStart, region.Size);
            }
            else if (f.Entry == cell.CpusEntry)
                target = "cpus";
            else if (f.Entry == cell.ConsoleEntry)
                target = "console";
            else if (f.Entry.StartsWith(cell.Prefix + ".irqchips", StringComparison.Ordinal))
                target = "irqchips";
            else if (f.Entry.StartsWith(cell.Prefix + ".pci-", StringComparison.Ordinal))
                target = "pci-devices";
            else if (f.Entry.StartsWith(cell.Prefix, StringComparison.Ordinal) || f.Entry.StartsWith("system", StringComparison.Ordinal))
                target = "cell";
        }
        return new MapFinding(number, f.IsError ? "error" : "warning", f.Rule, FileName(f.File), f.Cell, f.Entry, f.Message, f.Fix,
            laneOrNone, target, range?.Start, range?.Size);
    }
}
