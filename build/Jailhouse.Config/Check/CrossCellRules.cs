using Jailhouse.Config.Model;
using Jailhouse.Config.Text;
using static Jailhouse.Config.Check.Ranges;

namespace Jailhouse.Config.Check;

/// <summary>
/// Rules across cells: a non-root cell takes its CPUs from the root cell, and what one non-root
/// cell owns (CPUs, memory not shared, PCI devices, interrupt pins) no other non-root cell may own.
/// </summary>
internal static class CrossCellRules
{
    public static void Run(CheckContext context)
    {
        Cpus(context);
        for (int j = 1; j < context.NonRoot.Count; j++)
            for (int i = 0; i < j; i++)
            {
                var (earlier, later) = (context.NonRoot[i], context.NonRoot[j]);
                Memory(context, earlier, later);
                PciDevices(context, earlier, later);
                IrqPins(context, earlier, later);
            }
    }

    private static string CpuList(IEnumerable<int> cpus) => RangeListSyntax.Format(cpus.Select(c => (long)c));

    private static void Cpus(CheckContext context)
    {
        var taken = new Dictionary<int, CheckedCell>();
        foreach (var cell in context.NonRoot)
        {
            var cpus = cell.Cell.Cpus;
            if (context.Root is { } root)
            {
                var absent = cpus.Where(c => !root.Cell.Cpus.Contains(c)).ToList();
                if (absent.Count > 0)
                    context.Error("cpu-not-in-root", cell, cell.CpusEntry, cell.Cell.CpusOrigin,
                        $"CPU {CpuList(absent)} is not in the root cell (CPUs {CpuList(root.Cell.Cpus)}): a cell can only take CPUs from the root cell",
                        "use CPUs the root cell has, or add them to the root cell");
            }
            if (cpus.Contains(0))
                context.Warning("cpu0", cell, cell.CpusEntry, cell.Cell.CpusOrigin,
                    "CPU 0 goes to a non-root cell: Linux usually cannot take its boot CPU offline, so creating the cell fails",
                    "give the cell other CPUs and leave CPU 0 to the root cell");
            var conflicts = cpus.Where(taken.ContainsKey).ToList();
            foreach (var group in conflicts.GroupBy(c => taken[c]))
                context.Error("cpu-conflict", cell, cell.CpusEntry, cell.Cell.CpusOrigin,
                    $"CPU {CpuList(group)} also belongs to cell \"{group.Key.Name}\" ({group.Key.File})",
                    "give each non-root cell its own CPUs");
            foreach (int cpu in cpus)
                taken.TryAdd(cpu, cell);
        }
        if (context.Root is { } r && r.Cell.Cpus.Count > 0 && r.Cell.Cpus.All(taken.ContainsKey))
            context.Error("root-without-cpus", r, r.CpusEntry, r.Cell.CpusOrigin,
                $"the non-root cells take every CPU of the root cell ({CpuList(r.Cell.Cpus)}): Linux would have none left",
                "leave at least one CPU to the root cell");
    }

    /// <summary>Memory of two non-root cells may overlap only where both mark it shared (rootshared, e.g. ivshmem or a shared UART).</summary>
    private static void Memory(CheckContext context, CheckedCell earlier, CheckedCell later)
    {
        var laterRegions = later.PhysicalRegions.ToList();
        var earlierRegions = earlier.PhysicalRegions.ToList();
        // The later cell's regions come first, so each pair is (later, earlier), ordered by the later region.
        var ranges = laterRegions.Select(r => (r.PhysStart, r.Size, 0)).Concat(earlierRegions.Select(r => (r.PhysStart, r.Size, 1))).ToList();
        foreach (var (first, second) in OverlapSweep.Pairs(ranges, crossGroups: true, out _).OrderBy(p => p.First).ThenBy(p => p.Second))
        {
            var (region, other) = (laterRegions[first], earlierRegions[second - laterRegions.Count]);
            if (region.Flags.HasFlag(MemoryFlags.RootShared) && other.Flags.HasFlag(MemoryFlags.RootShared))
                continue;
            context.Error("memory-conflict", later, later.MemoryEntry(region), region.Origin,
                $"{Span(region.PhysStart, region.Size)} overlaps {Span(other.PhysStart, other.Size)} of cell \"{earlier.Name}\" ({earlier.MemoryEntry(other)}), and the two are not both shared",
                "give each cell its own memory, or mark both regions rootshared if they are meant to be shared");
        }
    }

    /// <summary>A physical PCI device belongs to one cell; ivshmem devices of the same BDF are the peers of one link instead.</summary>
    private static void PciDevices(CheckContext context, CheckedCell earlier, CheckedCell later)
    {
        foreach (var device in later.Cell.PciDevices.Where(d => d.Type != PciDeviceType.Ivshmem))
        {
            var other = earlier.Cell.PciDevices.FirstOrDefault(d => d.Type != PciDeviceType.Ivshmem && d.Domain == device.Domain && d.Bdf == device.Bdf);
            if (other is not null)
                context.Error("pci-conflict", later, later.DeviceEntry(device), device.Origin,
                    $"PCI device {BdfSyntax.Format(device.Domain, device.Bdf)} also belongs to cell \"{earlier.Name}\" ({earlier.DeviceEntry(other)})",
                    "assign the device to one non-root cell only");
        }
    }

    private static void IrqPins(CheckContext context, CheckedCell earlier, CheckedCell later)
    {
        foreach (var chip in later.Cell.Irqchips)
            foreach (var other in earlier.Cell.Irqchips.Where(o => o.Address == chip.Address))
            {
                var shared = chip.Pins().Intersect(other.Pins()).ToList();
                if (shared.Count > 0)
                    context.Error("irq-conflict", later, later.IrqchipEntry(chip), chip.Origin,
                        $"interrupt pin {RangeListSyntax.Format(shared)} of irqchip 0x{chip.Address:x} also belongs to cell \"{earlier.Name}\" ({earlier.IrqchipEntry(other)})",
                        "give each non-root cell its own interrupt pins");
            }
    }
}
