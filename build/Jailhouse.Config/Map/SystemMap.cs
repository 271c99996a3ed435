using System.Text.Json.Serialization;

namespace Jailhouse.Config.Map;

/// <summary>
/// What `jailhouse config map` draws, independent of the drawing: the board's RAM and
/// reservation (when a board is given), what the hypervisor owns, one entry per cell with its
/// memory, CPUs, interrupt pins and PCI devices, and every finding of `config check` with the
/// address range it is about. Serialised as is for `--json`; file names carry no directories
/// so that the same inputs give the same bytes wherever they lie. <see cref="CellsAreAlternatives"/>:
/// each non-root cell was checked with the system alone, not with the other cells.
/// </summary>
public sealed record SystemMap(
    string Title,
    string Architecture,
    int CpuCount,
    bool CellsAreAlternatives,
    MapBoard? Board,
    IReadOnlyList<MapArea> Hypervisor,
    IReadOnlyList<string> HypervisorNotes,
    IReadOnlyList<MapCell> Cells,
    int Errors,
    int Warnings,
    IReadOnlyList<MapFinding> Findings);

/// <summary>What kind of memory an area is; it decides the colour.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MapKind>))]
public enum MapKind
{
    [JsonStringEnumMemberName("ram")] Ram,
    [JsonStringEnumMemberName("loadable")] Loadable,
    [JsonStringEnumMemberName("io")] Io,
    [JsonStringEnumMemberName("shared")] Shared,
    [JsonStringEnumMemberName("comm-region")] CommRegion,
    [JsonStringEnumMemberName("ivshmem")] Ivshmem,
    /// <summary>The hypervisor's own memory.</summary>
    [JsonStringEnumMemberName("hypervisor")] Hypervisor,
    /// <summary>Registers the hypervisor owns or emulates: GIC, MMCONFIG, IOMMU units, its debug console.</summary>
    [JsonStringEnumMemberName("intercepted")] Intercepted,
    [JsonStringEnumMemberName("ram-bank")] RamBank,
    [JsonStringEnumMemberName("firmware")] Firmware,
    /// <summary>The board plan's share of the reservation for the inmates' RAM or the shared memory.</summary>
    [JsonStringEnumMemberName("reserved")] Reserved,
}

/// <summary>A named physical address range: [Start, Start + Size).</summary>
public sealed record MapArea(string Name, ulong Start, ulong Size, MapKind Kind);

/// <summary>The board description's memory and the plan that keeps Jailhouse's part from Linux.</summary>
public sealed record MapBoard(
    string Name,
    IReadOnlyList<MapArea> RamBanks,
    IReadOnlyList<MapArea> FirmwareReserved,
    MapArea Reservation,
    IReadOnlyList<MapArea> ReservationParts,
    string Method);

/// <summary>One cell: the root cell of the system configuration or a non-root cell.</summary>
public sealed record MapCell(
    string Name,
    string File,
    bool IsRoot,
    IReadOnlyList<int> Cpus,
    IReadOnlyList<MapRegion> Regions,
    IReadOnlyList<MapIrqchip> Irqchips,
    IReadOnlyList<MapPciDevice> PciDevices,
    string? Console);

/// <summary>
/// A memory region of a cell. <see cref="Start"/> is the physical address, <see cref="Virt"/>
/// the address the cell sees; a comm region has no physical address (Start is 0) and is not
/// placed on the physical axis.
/// </summary>
public sealed record MapRegion(
    string Label, string Entry, ulong Start, ulong Size, ulong Virt, MapKind Kind, IReadOnlyList<string> Flags);

/// <summary>The interrupt pins a cell owns on one interrupt controller.</summary>
public sealed record MapIrqchip(ulong Address, string Pins, int Count);

/// <summary>A PCI device of a cell: its address, type and what else is worth knowing (MSI, ivshmem peer).</summary>
public sealed record MapPciDevice(string Bdf, string Type, string? Name, string Detail);

/// <summary>
/// A finding of the checker, placed: <see cref="Lane"/> is the index of the cell in
/// <see cref="SystemMap.Cells"/> (none for the hypervisor's own entries), <see cref="Target"/> says
/// what it is about (memory, cpus, irqchips, pci-devices, console, hypervisor-memory, file) and
/// <see cref="Start"/>/<see cref="Size"/> the address range when it is about memory.
/// </summary>
public sealed record MapFinding(
    int Number,
    string Severity,
    string Rule,
    string File,
    string Cell,
    string Entry,
    string Message,
    string Fix,
    int? Lane,
    string Target,
    ulong? Start,
    ulong? Size);
