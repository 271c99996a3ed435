using Jailhouse.Config.Model;
using static Jailhouse.Config.Check.Ranges;

namespace Jailhouse.Config.Check;

/// <summary>
/// Resources the hypervisor keeps to itself must not be mapped into any cell: its own memory,
/// the PCI MMCONFIG window it emulates, the IOMMU units it programs.
/// </summary>
internal static class PlatformRules
{
    public static void Run(CheckContext context)
    {
        if (context.System is not { } system || context.Root is not { } root)
            return;
        var hv = system.HypervisorMemory;
        if (!PageAligned(hv.PhysStart) || !PageAligned(hv.Size))
            context.Error("unaligned", root, "system.hypervisor-memory", hv.Origin,
                $"hypervisor memory {Span(hv.PhysStart, hv.Size)} is not page-aligned in start and size",
                "align phys and size to 4 KiB (the reservation is 2 MiB aligned anyway)");
        Intercepted(context, "hypervisor-overlap", "the hypervisor's memory", hv.PhysStart, hv.Size,
            "keep cells off the hypervisor's memory: move or shrink the region");

        var platform = system.Platform;
        if (platform.PciMmconfigBase != 0)
        {
            Intercepted(context, "mmconfig-overlap", $"the PCI MMCONFIG window (buses 0-{platform.PciMmconfigEndBus})",
                platform.PciMmconfigBase, MmconfigSize(platform),
                "leave the MMCONFIG window unmapped (the hypervisor emulates config space): split the region around it");
        }
        for (int i = 0; i < platform.IommuUnits.Count; i++)
        {
            var unit = platform.IommuUnits[i];
            if (unit.Size > 0)
                Intercepted(context, "iommu-overlap", $"IOMMU unit {i} (system.platform.iommu-units[{i}])", unit.Base, unit.Size,
                    "leave the IOMMU's registers unmapped (the hypervisor owns the IOMMU): split the region around them");
        }
    }

    /// <summary>The MMCONFIG (ECAM) window: 1 MiB of configuration space per bus.</summary>
    internal static ulong MmconfigSize(PlatformInfo platform) => (platform.PciMmconfigEndBus + 1UL) << 20;

    /// <summary>Reports every cell region that maps part of [start, start+size), a range only the hypervisor may touch.</summary>
    internal static void Intercepted(CheckContext context, string rule, string what, ulong start, ulong size, string fix)
    {
        foreach (var cell in context.Cells)
            foreach (var region in cell.PhysicalRegions)
                if (Overlap(region.PhysStart, region.Size, start, size))
                    context.Error(rule, cell, cell.MemoryEntry(region), region.Origin,
                        $"{Span(region.PhysStart, region.Size)} overlaps {what} {Span(start, size)}", fix);
    }
}
