using Jailhouse.Config.Model;

namespace Jailhouse.Config.Check;

/// <summary>One configuration given to the checker: the file it came from and what its reader warned about.</summary>
public sealed record CheckInput(string File, JailhouseConfig Config, IReadOnlyList<ConfigWarning>? ReaderWarnings = null);

/// <summary>What the checker knows beyond the configurations.</summary>
public sealed record CheckOptions
{
    /// <summary>
    /// The memory Linux keeps off (memmap=, mem= or a reserved-memory node). When set, the
    /// hypervisor's memory and the non-root cells' RAM must lie inside it.
    /// </summary>
    public (ulong Start, ulong Size)? Reservation { get; init; }

    /// <summary>
    /// The board's RAM banks, if known: then exactly the regions in RAM are held to the
    /// reservation. Without them a region counts as RAM if it is not io and is executable,
    /// loadable, DMA-capable or shared (device BARs are usually none of these).
    /// </summary>
    public IReadOnlyList<(ulong Start, ulong Size)>? RamBanks { get; init; }

    /// <summary>
    /// The configurations are for this project's hypervisor (hypervisor/), not upstream's: its own
    /// limits are checked too (<see cref="OwnHypervisorRules"/>).
    /// </summary>
    public bool OwnHypervisor { get; init; }
}

/// <summary>A cell under check: the root cell of the system configuration or a non-root cell.</summary>
public sealed class CheckedCell(CheckInput input, bool isRoot)
{
    public string File { get; } = input.File;
    public JailhouseConfig Config { get; } = input.Config;
    public IReadOnlyList<ConfigWarning> ReaderWarnings { get; } = input.ReaderWarnings ?? [];
    public CellConfig Cell => Config.Cell;
    public bool IsRoot { get; } = isRoot;
    public string Name => Cell.Name;

    /// <summary>The YAML key the cell lives under.</summary>
    public string Prefix => IsRoot ? "root-cell" : "cell";

    private static string Key(string? name, int index) => name ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private Dictionary<MemoryRegion, int>? memoryIndex;

    public string MemoryEntry(MemoryRegion region)
    {
        // Indexed once: a finding per region must not cost a search of all regions.
        if (memoryIndex is null)
        {
            memoryIndex = new Dictionary<MemoryRegion, int>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < Cell.MemoryRegions.Count; i++)
                memoryIndex.TryAdd(Cell.MemoryRegions[i], i);
        }
        return $"{Prefix}.memory[{Key(region.Name, memoryIndex.GetValueOrDefault(region, -1))}]";
    }

    public string DeviceEntry(PciDevice device) => $"{Prefix}.pci-devices[{Key(device.Name, Cell.PciDevices.IndexOf(device))}]";
    public string CapabilityEntry(PciCapability cap) => $"{Prefix}.pci-caps[{Key(cap.Name, Cell.PciCapabilities.IndexOf(cap))}]";
    public string IrqchipEntry(Irqchip chip) => $"{Prefix}.irqchips[{Cell.Irqchips.IndexOf(chip)}]";
    public string CpusEntry => $"{Prefix}.cpus";
    public string ConsoleEntry => $"{Prefix}.console";

    /// <summary>Regions that stand for physical memory: a comm region's phys is not an address, empty regions are placeholders.</summary>
    public IEnumerable<MemoryRegion> PhysicalRegions =>
        Cell.MemoryRegions.Where(r => r.Size > 0 && !r.Flags.HasFlag(MemoryFlags.CommRegion));
}

/// <summary>The configurations of one check and the findings so far; rules read the one and add to the other.</summary>
public sealed class CheckContext
{
    private readonly List<Finding> findings = [];

    internal CheckContext(CheckedCell? root, IReadOnlyList<CheckedCell> nonRoot, CheckOptions options)
    {
        Root = root;
        NonRoot = nonRoot;
        Options = options;
        Cells = root is null ? nonRoot : [root, .. nonRoot];
        Architecture = (root ?? nonRoot.FirstOrDefault())?.Config.Architecture ?? Architecture.X86;
    }

    /// <summary>The system configuration's root cell, if a system configuration was given.</summary>
    public CheckedCell? Root { get; }
    public IReadOnlyList<CheckedCell> NonRoot { get; }
    /// <summary>The root cell first (if any), then the non-root cells in the order given.</summary>
    public IReadOnlyList<CheckedCell> Cells { get; }
    public SystemConfig? System => Root?.Config.System;
    public CheckOptions Options { get; }
    /// <summary>The architecture of the system configuration (or of the first cell).</summary>
    public Architecture Architecture { get; }

    public IReadOnlyList<Finding> Findings => findings;

    public void Error(string rule, CheckedCell cell, string entry, SourceLocation? where, string message, string fix) =>
        findings.Add(new Finding(Severity.Error, rule, cell.File, cell.Name, entry, where, message, fix));

    public void Warning(string rule, CheckedCell cell, string entry, SourceLocation? where, string message, string fix) =>
        findings.Add(new Finding(Severity.Warning, rule, cell.File, cell.Name, entry, where, message, fix));

    internal void Add(Finding finding) => findings.Add(finding);
}

/// <summary>Address-range arithmetic shared by the rules (64-bit, overflow-safe).</summary>
internal static class Ranges
{
    /// <summary>Half-open ranges [a, a+aSize) and [b, b+bSize) share a byte; empty ranges share none.</summary>
    public static bool Overlap(ulong a, ulong aSize, ulong b, ulong bSize) =>
        aSize > 0 && bSize > 0 && a - b < bSize || aSize > 0 && bSize > 0 && b - a < aSize;

    /// <summary>[inner, inner+innerSize) lies inside [outer, outer+outerSize).</summary>
    public static bool Contains(ulong outer, ulong outerSize, ulong inner, ulong innerSize) =>
        inner >= outer && inner - outer <= outerSize && innerSize <= outerSize - (inner - outer);

    public static string Span(ulong start, ulong size) =>
        size == 0 ? $"0x{start:x} (empty)" : $"0x{start:x}-0x{start + size - 1:x}";

    public const ulong PageSize = 0x1000;
    public static bool PageAligned(ulong value) => (value & (PageSize - 1)) == 0;
}
