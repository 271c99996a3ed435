using Jailhouse.Boot;
using Jailhouse.Config;
using Jailhouse.Config.Model;
using Jailhouse.Config.Text;
using Jailhouse.DeviceTree;

namespace Jailhouse.Generate;

/// <summary>What `jailhouse config create --dtb` asks for.</summary>
public sealed record DeviceTreeRootOptions(ulong HypervisorSize, ulong InmatesSize, Architecture? Architecture = null, string? Name = null)
{
    /// <summary>RAM banks instead of /memory, for trees whose firmware fills /memory at boot (Raspberry Pi, UEFI machines).</summary>
    public IReadOnlyList<AddressRange> Ram { get; init; } = [];
}

/// <summary>A generated root cell and what Linux must be told so it keeps off Jailhouse's memory.</summary>
public sealed record DeviceTreeRootResult(JailhouseConfig Config, ReservationPlan Plan, IReadOnlyList<string> LinuxSide, IReadOnlyList<string> Notes)
{
    /// <summary>The YAML header: what the tree gave and what must be reserved on the Linux side.</summary>
    public string Header => string.Join('\n', Notes.Concat(LinuxSide));
}

/// <summary>
/// Builds an ARM/ARM64 system configuration from a device tree: RAM from /memory without the
/// /reserved-memory and /memreserve ranges, Jailhouse's memory at the top of RAM (placed by
/// <see cref="ReservationPlanner"/>), the GIC, the debug console from stdout-path, every enabled
/// device's registers as MMIO regions, all SPIs and all CPUs for the root cell.
/// </summary>
public static class DeviceTreeRootGenerator
{
    private static readonly string[] Armv7Cores = ["arm,cortex-a5", "arm,cortex-a7", "arm,cortex-a8", "arm,cortex-a9", "arm,cortex-a12", "arm,cortex-a15", "arm,cortex-a17"];

    public static DeviceTreeRootResult Generate(Fdt fdt, string file, DeviceTreeRootOptions options)
    {
        var origin = new SourceLocation(file, 0, 0);
        if (options.HypervisorSize == 0 || options.HypervisorSize % AddressRange.PageSize != 0)
            throw new InputException(origin, $"hypervisor memory must be a non-zero multiple of 4K, found {NumberSyntax.Size(options.HypervisorSize)}");
        if (options.InmatesSize % AddressRange.PageSize != 0)
            throw new InputException(origin, $"inmate memory must be a multiple of 4K, found {NumberSyntax.Size(options.InmatesSize)}");

        var notes = new List<string>();
        string model = fdt.Root.Property("model")?.AsString() ?? fdt.Root.Property("compatible")?.AsString() ?? "device tree";
        notes.Add($"Root cell generated from the device tree {Path.GetFileName(file)} ({model}).");

        var (cpuCount, architecture) = Cpus(fdt, file, origin, options.Architecture);
        var gic = DeviceTreeGic.Find(fdt, file);
        notes.Add(gic.Version == 2
            ? $"GICv2 ({gic.Node.Path}): GICD 0x{gic.Gicd:x}, GICC 0x{gic.Gicc:x}, GICH 0x{gic.Gich:x}, GICV 0x{gic.Gicv:x}, maintenance interrupt {gic.MaintenanceIrq}."
            : $"GICv3 ({gic.Node.Path}): GICD 0x{gic.Gicd:x}, GICR 0x{gic.Gicr:x}, maintenance interrupt {gic.MaintenanceIrq}.");

        var memory = PlanMemory(fdt, origin, options, model, architecture, notes);
        var regions = new RegionList();
        AddRamRegions(regions, memory, notes);
        AddDeviceRegions(regions, fdt, gic, memory.Reservation);

        var (console, consoleNode, consoleNote) = DeviceTreeConsole.Find(fdt);
        notes.Add(consoleNote + ".");
        if (console is not null && !regions.Regions.Any(r => r.Flags.HasFlag(MemoryFlags.Io) && AddressRange.OfSize(r.PhysStart, r.Size).Contains(AddressRange.OfSize(console.Address, console.Size))))
            throw new InputException(consoleNode?.At(file) ?? origin, $"the debug console {consoleNode?.Path} at 0x{console.Address:x} is not among the enabled devices' registers");

        var irqchips = RootIrqchips(fdt, gic, notes);
        var plan = memory.Plan;
        string name = options.Name ?? model;
        if (name.Length > CellConfig.NameMaxLength)
            name = name[..CellConfig.NameMaxLength];
        var config = new JailhouseConfig
        {
            Architecture = architecture,
            System = new SystemConfig
            {
                Flags = SystemFlags.VirtualDebugConsole,
                HypervisorMemory = new MemoryRegion { PhysStart = plan.HypervisorBase, Size = plan.HypervisorSize },
                DebugConsole = console ?? new ConsoleConfig(),
                Platform = new PlatformInfo
                {
                    Arm = new ArmPlatform
                    {
                        GicVersion = (byte)gic.Version,
                        MaintenanceIrq = (byte)gic.MaintenanceIrq,
                        GicdBase = gic.Gicd,
                        GiccBase = gic.Gicc,
                        GichBase = gic.Gich,
                        GicvBase = gic.Gicv,
                        GicrBase = gic.Gicr,
                    },
                },
            },
            Cell = new CellConfig
            {
                Name = name,
                Cpus = new SortedSet<int>(Enumerable.Range(0, cpuCount)),
                MemoryRegions = regions.Regions,
                Irqchips = irqchips,
            },
        };
        config.Cell.CpuSetSize = CellConfig.MinimumCpuSetSize(config.Cell.Cpus);
        return new DeviceTreeRootResult(config, plan, LinuxSide(plan, file), notes);
    }

    /// <summary>Linux numbers the CPUs in tree order, so the root cell owns 0..N-1; ARMv7 cores make an arm configuration.</summary>
    private static (int Count, Architecture Architecture) Cpus(Fdt fdt, string file, SourceLocation origin, Architecture? requested)
    {
        var cpuNodes = (fdt.Find("/cpus")?.Children ?? [])
            .Where(n => n.Property("device_type")?.AsString() == "cpu" && n.IsEnabled).ToList();
        if (cpuNodes.Count == 0)
            throw new InputException(fdt.Find("/cpus")?.At(file) ?? origin, "/cpus has no enabled node with device_type \"cpu\"");
        var architecture = requested ?? (cpuNodes.All(n => (n.Property("compatible")?.AsStrings() ?? []).Any(c => Armv7Cores.Contains(c)))
            ? Architecture.Arm : Architecture.Arm64);
        return (cpuNodes.Count, architecture);
    }

    /// <summary>RAM, the ranges firmware and Linux keep, and where Jailhouse's memory goes.</summary>
    private sealed record MemoryLayout(ReservationPlan Plan, IReadOnlyList<AddressRange> Ram, IReadOnlyList<AddressRange> Holes,
        IReadOnlyList<(FdtNode Node, IReadOnlyList<AddressRange> Ranges)> ReservedNodes)
    {
        public AddressRange Reservation => new(Plan.Start, Plan.End);
    }

    /// <summary>The planner places hypervisor and inmates at the top of RAM, clear of every reserved range.</summary>
    private static MemoryLayout PlanMemory(Fdt fdt, SourceLocation origin, DeviceTreeRootOptions options, string model, Architecture architecture, List<string> notes)
    {
        var board = new BoardDescription
        {
            Name = model,
            DebianArch = architecture == Architecture.Arm ? "armhf" : "arm64",
            Origin = origin,
            Jailhouse = new JailhouseMemory { Hypervisor = options.HypervisorSize, Inmates = options.InmatesSize, Method = ReservationMethod.Mem, Origin = origin },
        };
        var reservedNodes = (fdt.Find("/reserved-memory")?.Children ?? []).Where(n => n.IsEnabled)
            .Select(n => (Node: n, Ranges: (IReadOnlyList<AddressRange>)DeviceTreeAddresses.Reg(n))).Where(r => r.Ranges.Count > 0).ToList();
        var holes = reservedNodes.SelectMany(r => r.Ranges)
            .Concat(fdt.MemoryReservations.Where(r => r.Size > 0).Select(r => AddressRange.OfSize(r.Address, r.Size))).ToList();
        if (options.Ram.Count > 0)
        {
            board.RamBanks.AddRange(AddressRanges.Merge(options.Ram).Select(r => (r.Start, r.Size)));
            board.FirmwareReserved.AddRange(holes.Select(h => (h.Start, h.Size)));
            notes.Add($"RAM as given: {string.Join(", ", AddressRanges.Merge(options.Ram))} (not the tree's /memory).");
        }
        else
        {
            try
            {
                DeviceTreeMemory.Apply(board, fdt);
            }
            catch (ArgumentException e)
            {
                throw new InputException(origin, $"{e.Message} (firmware that fills /memory at boot leaves it empty): give the RAM with --ram START+SIZE");
            }
        }
        ReservationPlan plan;
        try
        {
            plan = ReservationPlanner.Plan(board);
        }
        catch (InputException) when (board.Jailhouse.Method == ReservationMethod.Mem)
        {
            // mem= only works at the top of all RAM; elsewhere a /reserved-memory node keeps Linux off.
            board.Jailhouse.Method = ReservationMethod.ReservedMemory;
            plan = ReservationPlanner.Plan(board);
        }
        foreach (var (node, ranges) in reservedNodes)
            notes.Add($"Reserved for firmware or Linux's own use: {node.Name} {string.Join(", ", ranges)}{(node.Property("no-map") is null ? "" : " (no-map)")}.");
        foreach (var (address, size) in fdt.MemoryReservations.Where(r => r.Size > 0))
            notes.Add($"Reserved by /memreserve/: {AddressRange.OfSize(address, size)}.");
        return new MemoryLayout(plan, board.RamBanks.Select(b => AddressRange.OfSize(b.Start, b.Size)).ToList(), holes, reservedNodes);
    }

    /// <summary>The root cell's memory regions, each name used once.</summary>
    private sealed class RegionList
    {
        private readonly HashSet<string> names = new(StringComparer.Ordinal);

        public List<MemoryRegion> Regions { get; } = [];

        public void Add(string wanted, AddressRange range, MemoryFlags flags)
        {
            string name = wanted;
            for (int n = 2; !names.Add(name); n++)
                name = $"{wanted}-{n}";
            Regions.Add(new MemoryRegion { Name = name, PhysStart = range.Start, VirtStart = range.Start, Size = range.Size, Flags = flags });
        }
    }

    /// <summary>Linux's RAM, the reserved ranges Linux itself uses, and the inmates' memory.</summary>
    private static void AddRamRegions(RegionList regions, MemoryLayout memory, List<string> notes)
    {
        var linuxRam = AddressRanges.PageInner(AddressRanges.Subtract(memory.Ram, memory.Holes.Append(memory.Reservation)));
        for (int i = 0; i < linuxRam.Count; i++)
            regions.Add(linuxRam.Count == 1 ? "ram" : $"ram-{i}", linuxRam[i], MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Execute);
        notes.Add($"Linux's RAM: {string.Join(", ", linuxRam)}.");

        // Reserved ranges Linux itself uses (ramoops, DMA pools: not no-map) stay mapped, but not as RAM.
        foreach (var (node, ranges) in memory.ReservedNodes.Where(r => r.Node.Property("no-map") is null))
            foreach (var range in ranges)
                regions.Add("reserved-" + node.Name.Split('@')[0], range.PageAligned(), MemoryFlags.Read | MemoryFlags.Write);

        var plan = memory.Plan;
        if (plan.InmatesSize > 0)
            regions.Add("inmates", AddressRange.OfSize(plan.InmatesBase, plan.InmatesSize), MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Execute);
    }

    /// <summary>
    /// Every enabled node's registers, page-aligned, touching windows joined; not the GIC (the
    /// hypervisor emulates the distributor), not memory, CPUs or reserved-memory nodes.
    /// </summary>
    private static void AddDeviceRegions(RegionList regions, Fdt fdt, DeviceTreeGic gic, AddressRange reservation)
    {
        var skip = new HashSet<FdtNode>(ReferenceEqualityComparer.Instance) { gic.Node };
        foreach (string path in new[] { "/cpus", "/reserved-memory" })
            if (fdt.Find(path) is { } subtree)
                skip.Add(subtree);
        var windows = new List<(AddressRange Range, FdtNode Node)>();
        foreach (var node in fdt.Root.Descendants())
        {
            if (!DeviceTreeAddresses.IsEnabledWithAncestors(node) || Under(node, skip) || node.Property("device_type")?.AsString() == "memory")
                continue;
            foreach (var range in DeviceTreeAddresses.Reg(node))
                windows.Add((range.PageAligned(), node));
            if (node.Property("device_type")?.AsString() == "pci")
                foreach (var range in DeviceTreeAddresses.Windows(node))
                    windows.Add((range.PageAligned(), node));
        }
        var taken = regions.Regions.Select(r => AddressRange.OfSize(r.PhysStart, r.Size)).Append(reservation).ToList();
        foreach (var window in AddressRanges.Subtract(AddressRanges.Merge(windows.Select(w => w.Range)), taken))
        {
            var first = windows.Where(w => w.Range.Overlaps(window)).MinBy(w => w.Range.Start).Node;
            regions.Add(first.Name, window, MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Io);
        }
    }

    /// <summary>The root cell owns every SPI: the devices' highest interrupt says how many 128-pin chips that takes.</summary>
    private static List<Irqchip> RootIrqchips(Fdt fdt, DeviceTreeGic gic, List<string> notes)
    {
        var phandles = new Dictionary<uint, FdtNode>();
        foreach (var node in fdt.Root.Descendants())
            if ((node.Property("phandle") ?? node.Property("linux,phandle")) is { Value.Length: 4 } ph)
                phandles.TryAdd(ph.AsU32(), node);
        var spis = fdt.Root.Descendants().Where(DeviceTreeAddresses.IsEnabledWithAncestors)
            .SelectMany(n => DeviceTreeInterrupts.GicInterrupts(fdt, n, gic.Node, phandles)).Where(id => id >= 32).ToHashSet();
        int highest = spis.Count == 0 ? 32 : spis.Max();
        int chips = (highest - 32) / Irqchip.PinCount + 1;
        var irqchips = new List<Irqchip>();
        for (int c = 0; c < chips; c++)
            irqchips.Add(new Irqchip { Address = gic.Gicd, PinBase = (uint)(32 + c * Irqchip.PinCount), PinBitmap = [uint.MaxValue, uint.MaxValue, uint.MaxValue, uint.MaxValue] });
        notes.Add($"Devices raise {spis.Count} SPIs (highest interrupt {highest}); the root cell gets all SPIs 32-{31 + chips * Irqchip.PinCount}.");
        return irqchips;
    }

    /// <summary>What must happen on the Linux side so it keeps off Jailhouse's memory.</summary>
    private static List<string> LinuxSide(ReservationPlan plan, string file) =>
    [
        $"Jailhouse's memory: 0x{plan.Start:x}-0x{plan.End - 1:x} ({NumberSyntax.Size(plan.Size)}): hypervisor 0x{plan.HypervisorBase:x} ({NumberSyntax.Size(plan.HypervisorSize)})"
            + (plan.InmatesSize > 0 ? $", inmates 0x{plan.InmatesBase:x} ({NumberSyntax.Size(plan.InmatesSize)}, root region \"inmates\")" : "") + ".",
        "Linux must not use it: "
            + (plan.KernelArgument is { } argument ? $"boot it with {argument} (RAM counted from the bottom), or " : "")
            + $"add a /reserved-memory no-map node: jailhouse dt edit {Path.GetFileName(file)} --reserve 0x{plan.Start:x}+{NumberSyntax.Size(plan.Size)} -o OUT.dtb",
    ];

    private static bool Under(FdtNode node, HashSet<FdtNode> subtrees)
    {
        for (var n = node; n is not null; n = n.Parent)
            if (subtrees.Contains(n))
                return true;
        return false;
    }
}
