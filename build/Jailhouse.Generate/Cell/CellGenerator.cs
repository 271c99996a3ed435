using Jailhouse.Config;
using Jailhouse.Config.Model;
using Jailhouse.Config.Text;

namespace Jailhouse.Generate;

/// <summary>What `jailhouse config cell` asks for.</summary>
public sealed record CellRequest(string Name, IReadOnlyCollection<int> Cpus, ulong MemorySize)
{
    public ulong? MemoryBase { get; init; }
    /// <summary>"pl011@ADDR", "8250@ADDR" (any console type name works), "virtual", or null for none.</summary>
    public string? Console { get; init; }
    public IReadOnlyList<(ushort Domain, ushort Bdf)> PciDevices { get; init; } = [];
    public IReadOnlyList<long> Interrupts { get; init; } = [];
    /// <summary>Extra MMIO windows to pass through (device registers the root names no region for).</summary>
    public IReadOnlyList<AddressRange> Mmio { get; init; } = [];
    /// <summary>Other non-root cells: the new cell takes none of their CPUs or memory.</summary>
    public IReadOnlyList<(string File, JailhouseConfig Config)> OtherCells { get; init; } = [];
}

public sealed record CellResult(JailhouseConfig Config, AddressRange Ram, InmateArea Area, IReadOnlyList<string> Notes)
{
    public string Header => string.Join('\n', Notes);
}

/// <summary>
/// Carves a non-root cell out of a root cell: RAM from the inmate area (see <see cref="InmateArea"/>)
/// clear of other cells, a comm region, an optional console, PCI devices with the root's
/// capabilities and BAR regions (the MSI-X table stays unmapped, so the hypervisor intercepts
/// it), and interrupt pins the root owns.
/// </summary>
public static class CellGenerator
{
    /// <summary>Where inmates expect the comm region: 0x80000000 on ARM, 1 MiB on x86 (upstream's inmate library).</summary>
    public static ulong CommRegionAddress(Architecture architecture) => architecture == Architecture.X86 ? 0x100000 : 0x80000000;

    private const ulong HugePage = 2UL << 20;
    private const ulong X86LowMemory = 1UL << 20;
    private const ulong X86HighMemoryVirt = 2UL << 20;

    public static CellResult Generate(JailhouseConfig root, string rootFile, CellRequest request)
    {
        var origin = new SourceLocation(rootFile, 0, 0);
        InputException Error(string message) => new(origin, message);
        var arch = root.Architecture;
        var rootCell = root.Cell;
        var notes = new List<string> { $"Non-root cell \"{request.Name}\" carved from the root cell \"{rootCell.Name}\" ({Path.GetFileName(rootFile)})." };

        if (request.Name.Length is 0 or > CellConfig.NameMaxLength)
            throw Error($"cell name \"{request.Name}\": expected 1 to {CellConfig.NameMaxLength} bytes");
        if (request.MemorySize == 0 || request.MemorySize % AddressRange.PageSize != 0)
            throw Error($"--mem: expected a non-zero multiple of 4K, found {NumberSyntax.Size(request.MemorySize)}");

        // CPUs: the root's, never CPU 0 (Linux's boot CPU, so the root keeps one), none another cell has.
        if (request.Cpus.Count == 0)
            throw Error("--cpus: expected at least one CPU");
        var foreign = request.Cpus.Where(c => !rootCell.Cpus.Contains(c)).ToList();
        if (foreign.Count > 0)
            throw Error($"CPU {RangeListSyntax.Format(foreign.Select(c => (long)c))} is not in the root cell's CPUs {RangeListSyntax.Format(rootCell.Cpus.Select(c => (long)c))}");
        if (request.Cpus.Contains(0))
            throw Error("CPU 0 stays with the root cell (Linux's boot CPU cannot be handed over)");
        foreach (var (file, other) in request.OtherCells)
        {
            var shared = request.Cpus.Where(other.Cell.Cpus.Contains).ToList();
            if (shared.Count > 0)
                throw Error($"CPU {RangeListSyntax.Format(shared.Select(c => (long)c))} already belongs to cell \"{other.Cell.Name}\" ({Path.GetFileName(file)})");
        }

        // RAM: the inmate area minus every other cell's memory.
        var area = InmateArea.Find(root, rootFile, request.MemorySize, request.MemoryBase);
        var otherMemory = request.OtherCells.SelectMany(o => o.Config.Cell.MemoryRegions)
            .Where(r => r.Size > 0 && !r.Flags.HasFlag(MemoryFlags.CommRegion))
            .Select(r => AddressRange.OfSize(r.PhysStart, r.Size)).ToList();
        var free = AddressRanges.Subtract([area.Range], otherMemory);
        var ram = Place(free, request.MemorySize, area.FromTop)
            ?? throw Error($"no {NumberSyntax.Size(request.MemorySize)} free in {area.Rule}"
                + (request.OtherCells.Count > 0 ? $" after the other cells' memory (free: {(free.Count == 0 ? "none" : string.Join(", ", free))})" : ""));
        notes.Add($"RAM {ram} ({NumberSyntax.Size(ram.Size)}) from {area.Rule}.");

        var cell = new CellConfig
        {
            Name = request.Name,
            Flags = CellFlags.PassiveCommRegion,
            Cpus = new SortedSet<int>(request.Cpus),
        };
        cell.CpuSetSize = CellConfig.MinimumCpuSetSize(cell.Cpus);
        var ramFlags = MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Execute | MemoryFlags.Loadable
            | (request.PciDevices.Count > 0 ? MemoryFlags.Dma : 0);
        ulong commAddress = CommRegionAddress(arch);
        if (arch == Architecture.X86 && ram.Size > X86LowMemory)
        {
            // Upstream's x86 layout: 1 MiB at 0 (real-mode entry), the comm region at 1 MiB, the rest from 2 MiB.
            cell.MemoryRegions.Add(new MemoryRegion { Name = "ram-low", PhysStart = ram.Start, VirtStart = 0, Size = X86LowMemory, Flags = ramFlags });
            cell.MemoryRegions.Add(new MemoryRegion { Name = "ram", PhysStart = ram.Start + X86LowMemory, VirtStart = X86HighMemoryVirt, Size = ram.Size - X86LowMemory, Flags = ramFlags });
        }
        else
        {
            if (ram.Size > commAddress)
                throw Error($"--mem {NumberSyntax.Size(ram.Size)} does not fit below the comm region at guest address 0x{commAddress:x}");
            cell.MemoryRegions.Add(new MemoryRegion { Name = "ram", PhysStart = ram.Start, VirtStart = 0, Size = ram.Size, Flags = ramFlags });
        }

        // Device windows (console, --mmio) must be the root's devices: a cell can only take what the root cell has.
        var rootDevices = rootCell.MemoryRegions.Where(r => r.Size > 0 && !InmateArea.IsRam(r) && !r.Flags.HasFlag(MemoryFlags.CommRegion)).Select(r => AddressRange.OfSize(r.PhysStart, r.Size)).ToList();
        void RequireRootMaps(AddressRange range, string what)
        {
            if (AddressRanges.Subtract([range], rootDevices).Count > 0)
                throw Error($"{what} {range} is no device the root cell \"{rootCell.Name}\" maps (its regions other than RAM)");
        }

        if (request.Console is { } consoleText)
            AddConsole(root, cell, consoleText, Error, RequireRootMaps, notes);

        foreach (var (domain, bdf) in request.PciDevices)
            AddPciDevice(rootCell, cell, domain, bdf, Error, notes);

        for (int i = 0; i < request.Mmio.Count; i++)
        {
            var window = request.Mmio[i].PageAligned();
            RequireRootMaps(window, "--mmio");
            cell.MemoryRegions.Add(new MemoryRegion { Name = $"mmio-{i}", PhysStart = window.Start, VirtStart = window.Start, Size = window.Size, Flags = MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Io });
        }

        foreach (long pin in request.Interrupts.Distinct().Order())
        {
            var chip = rootCell.Irqchips.FirstOrDefault(c => c.Pins().Contains(pin))
                ?? throw Error($"interrupt {pin} belongs to no irqchip of the root cell (its chips own {string.Join("; ", rootCell.Irqchips.Select(c => $"0x{c.Address:x}: {RangeListSyntax.Format(c.Pins())}"))})");
            // An interrupt is delivered to one non-root cell only (the checker refuses shared pins).
            foreach (var (file, other) in request.OtherCells)
                if (other.Cell.Irqchips.Any(c => c.Address == chip.Address && c.Pins().Contains(pin)))
                    throw Error($"interrupt {pin} already belongs to cell \"{other.Cell.Name}\" ({Path.GetFileName(file)})");
            var mine = cell.Irqchips.FirstOrDefault(c => c.Address == chip.Address && c.Id == chip.Id && c.PinBase == chip.PinBase);
            if (mine is null)
                cell.Irqchips.Add(mine = new Irqchip { Address = chip.Address, Id = chip.Id, PinBase = chip.PinBase });
            long bit = pin - chip.PinBase;
            mine.PinBitmap[bit / 32] |= 1u << (int)(bit % 32);
        }

        cell.MemoryRegions.Add(new MemoryRegion { Name = "comm", VirtStart = commAddress, Size = AddressRange.PageSize, Flags = MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.CommRegion });
        CheckNoOverlap(cell, Error);
        return new CellResult(new JailhouseConfig { Architecture = arch, Cell = cell }, ram, area, notes);
    }

    /// <summary>First fit (or last fit from the top); sizes in whole 2 MiB pages 2 MiB aligned when possible (huge pages), else 4K aligned.</summary>
    private static AddressRange? Place(List<AddressRange> free, ulong size, bool fromTop)
    {
        foreach (ulong alignment in size % HugePage == 0 ? new[] { HugePage, AddressRange.PageSize } : [AddressRange.PageSize])
        {
            foreach (var span in fromTop ? free.OrderByDescending(f => f.End) : free.OrderBy(f => f.Start))
            {
                if (span.Size < size)
                    continue;
                ulong start = fromTop ? (span.End - size) & ~(alignment - 1) : (span.Start + alignment - 1) & ~(alignment - 1);
                if (start >= span.Start && start + size <= span.End)
                    return AddressRange.OfSize(start, size);
            }
        }
        return null;
    }

    private static void AddConsole(JailhouseConfig root, CellConfig cell, string text, Func<string, InputException> error,
        Action<AddressRange, string> requireRootMaps, List<string> notes)
    {
        if (text == "virtual")
        {
            cell.Flags |= CellFlags.VirtualConsolePermitted | CellFlags.VirtualConsoleActive;
            notes.Add("Console: the hypervisor's virtual console.");
            return;
        }
        int at = text.IndexOf('@', StringComparison.Ordinal);
        if (at < 0 || !Names.ConsoleType.TryParse(text[..at], out ulong typeValue, out _) || typeValue == 0
            || !NumberSyntax.TryParse(text[(at + 1)..], out ulong address, out _))
            throw error($"--console: expected pl011@ADDRESS, 8250@ADDRESS (another console type name also works) or virtual, found \"{text}\"");
        var type = (ConsoleType)typeValue;
        var debug = root.System?.DebugConsole;
        ConsoleConfig console;
        if (debug is not null && debug.Address == address && debug.Type == type)
            console = debug with { };  // the root's debug console: its flags and divider are right for this UART
        else if (root.Architecture == Architecture.X86 && type == ConsoleType.Uart8250 && address <= 0xffff)
            console = new ConsoleConfig { Type = type, Address = address };
        else
            console = new ConsoleConfig { Type = type, Address = address, Flags = ConsoleFlags.Mmio | (type is ConsoleType.Pl011 or ConsoleType.Uart8250 ? ConsoleFlags.RegDist4 : 0) };
        cell.Console = console;
        if (console.Flags.HasFlag(ConsoleFlags.Mmio))
        {
            var window = AddressRange.OfSize(address, Math.Max(console.Size, (uint)AddressRange.PageSize)).PageAligned();
            requireRootMaps(window, "the console");
            // Shared with the root cell, whose Linux keeps its own driver on it.
            cell.MemoryRegions.Add(new MemoryRegion { Name = "console", PhysStart = window.Start, VirtStart = window.Start, Size = window.Size, Flags = MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Io | MemoryFlags.RootShared });
            notes.Add($"Console: {text[..at]} at 0x{address:x}, shared with the root cell.");
        }
        else
        {
            cell.PioRanges.Add(new PioRange { Name = "console", Base = (ushort)address, Length = 8 });
            notes.Add($"Console: {text[..at]} at port 0x{address:x}.");
        }
    }

    private static void AddPciDevice(CellConfig rootCell, CellConfig cell, ushort domain, ushort bdf, Func<string, InputException> error, List<string> notes)
    {
        string where = BdfSyntax.Format(domain, bdf);
        var source = rootCell.PciDevices.FirstOrDefault(d => d.Domain == domain && d.Bdf == bdf)
            ?? throw error($"--pci {where}: the root cell has no such device (it has {string.Join(", ", rootCell.PciDevices.Select(d => BdfSyntax.Format(d.Domain, d.Bdf)))})");
        if (source.Type == PciDeviceType.Ivshmem)
            throw error($"--pci {where}: ivshmem devices need a peer id and per-peer shared memory; write them by hand");
        if (cell.PciDevices.Any(d => d.Domain == domain && d.Bdf == bdf))
            throw error($"--pci {where} given twice");
        var caps = source.Capabilities.Select(c => new PciCapability { Name = c.Name, Id = c.Id, Start = c.Start, Length = c.Length, Flags = c.Flags }).ToList();
        cell.PciCapabilities.AddRange(caps);
        var device = new PciDevice
        {
            Name = source.Name,
            Type = source.Type,
            Iommu = source.Iommu,
            Domain = source.Domain,
            Bdf = source.Bdf,
            BarMask = (uint[])source.BarMask.Clone(),
            Capabilities = caps,
            NumMsiVectors = source.NumMsiVectors,
            Msi64Bits = source.Msi64Bits,
            MsiMaskable = source.MsiMaskable,
            NumMsixVectors = source.NumMsixVectors,
            MsixRegionSize = source.MsixRegionSize,
            MsixAddress = source.MsixAddress,
        };
        cell.PciDevices.Add(device);

        // BAR regions: the root's regions named after the device ("e1000e-bar0"), without the MSI-X
        // table, which the hypervisor must keep intercepting.
        var msix = source.MsixAddress != 0
            ? AddressRange.OfSize(source.MsixAddress, Math.Max(source.MsixRegionSize, (ushort)1)).PageAligned()
            : (AddressRange?)null;
        var bars = source.Name is null ? [] : rootCell.MemoryRegions
            .Where(r => r.Size > 0 && (r.Name == source.Name || r.Name?.StartsWith(source.Name + "-", StringComparison.Ordinal) == true))
            .ToList();
        int count = 0;
        foreach (var bar in bars)
        {
            var range = AddressRange.OfSize(bar.PhysStart, bar.Size);
            var pieces = msix is { } table ? AddressRanges.Subtract([range], [table]) : [range];
            for (int i = 0; i < pieces.Count; i++)
            {
                var piece = pieces[i];
                cell.MemoryRegions.Add(new MemoryRegion
                {
                    Name = pieces.Count == 1 ? bar.Name : $"{bar.Name}-{i}",
                    PhysStart = piece.Start,
                    VirtStart = bar.VirtStart + (piece.Start - bar.PhysStart),
                    Size = piece.Size,
                    Flags = bar.Flags & ~MemoryFlags.RootShared,
                });
                count++;
            }
        }
        notes.Add($"PCI {where} ({source.Name ?? "unnamed"}): {caps.Count} capabilities and {count} BAR regions from the root cell"
            + (msix is { } t ? $"; MSI-X table {t} left unmapped (intercepted)" : "") + (count == 0 ? "; pass its BARs with --mmio" : "") + ".");
    }

    private static void CheckNoOverlap(CellConfig cell, Func<string, InputException> error)
    {
        var mapped = cell.MemoryRegions.Where(r => r.Size > 0 && !r.Flags.HasFlag(MemoryFlags.CommRegion)).OrderBy(r => r.PhysStart).ToList();
        for (int i = 1; i < mapped.Count; i++)
            if (mapped[i].PhysStart < mapped[i - 1].PhysEnd)
                throw error($"memory \"{mapped[i - 1].Name}\" and \"{mapped[i].Name}\" overlap: {AddressRange.OfSize(mapped[i - 1].PhysStart, mapped[i - 1].Size)} and {AddressRange.OfSize(mapped[i].PhysStart, mapped[i].Size)}");
        var guest = cell.MemoryRegions.Where(r => r.Size > 0).OrderBy(r => r.VirtStart).ToList();
        for (int i = 1; i < guest.Count; i++)
            if (guest[i].VirtStart < guest[i - 1].VirtEnd)
                throw error($"memory \"{guest[i - 1].Name}\" and \"{guest[i].Name}\" overlap in the guest's address space at 0x{guest[i].VirtStart:x}");
    }
}
