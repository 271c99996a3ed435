using Jailhouse.Config.Model;
using static Jailhouse.Config.Check.Ranges;

namespace Jailhouse.Config.Check;

/// <summary>Rules on one cell's own memory regions: overlaps, alignment, sub-page regions, the comm region.</summary>
internal static class MemoryRules
{
    public static void Run(CheckContext context)
    {
        foreach (var cell in context.Cells)
        {
            Overlaps(context, cell);
            Alignment(context, cell);
            CommRegion(context, cell);
        }
    }

    /// <summary>
    /// Two regions of one cell must not share physical or guest-physical addresses (upstream's
    /// "overlapping memory regions inside cell"). Reported at the later region, which is usually
    /// the one added by mistake.
    /// </summary>
    private static void Overlaps(CheckContext context, CheckedCell cell)
    {
        var regions = cell.Cell.MemoryRegions;
        // A comm region's phys is not an address: the hypervisor backs it with its own page.
        var physical = regions.Select(r => (r.PhysStart, r.Flags.HasFlag(MemoryFlags.CommRegion) ? 0UL : r.Size, 0)).ToList();
        var guest = regions.Select(r => (r.VirtStart, r.Size, 0)).ToList();
        var phys = OverlapSweep.Pairs(physical, crossGroups: false, out bool physTruncated).ToHashSet();
        var virt = OverlapSweep.Pairs(guest, crossGroups: false, out bool virtTruncated).ToHashSet();
        var pairs = phys.Union(virt).ToList();
        pairs.Sort((a, b) => a.Item2 != b.Item2 ? a.Item2.CompareTo(b.Item2) : a.Item1.CompareTo(b.Item1));
        foreach (var (i, j) in pairs)
        {
            var (earlier, later) = (regions[i], regions[j]);
            bool inPhys = phys.Contains((i, j)), inVirt = virt.Contains((i, j));
            string how = inPhys && inVirt ? "physically and in the guest" : inPhys ? "physically" : "in the guest's address space";
            var (start, size) = inVirt && !inPhys ? (later.VirtStart, later.Size) : (later.PhysStart, later.Size);
            var (otherStart, otherSize) = inVirt && !inPhys ? (earlier.VirtStart, earlier.Size) : (earlier.PhysStart, earlier.Size);
            context.Error("memory-overlap", cell, cell.MemoryEntry(later), later.Origin,
                $"{Span(start, size)} overlaps {cell.MemoryEntry(earlier)} {Span(otherStart, otherSize)} {how}",
                "make the regions disjoint: shrink or move one of them, or merge them into one region");
        }
        if (physTruncated || virtTruncated)
            context.Error("memory-overlap", cell, $"{cell.Prefix}.memory", cell.Cell.Origin,
                $"at least {OverlapSweep.MaxPairs} overlapping pairs of regions; only these are listed",
                "make the regions disjoint");
    }

    /// <summary>
    /// Page tables map whole 4 KiB pages. A region whose guest address or size is not page-aligned
    /// is a sub-page region, which Jailhouse emulates by trapping every access: that only works for
    /// device registers (io) with the access widths it may perform. Page-granular regions need a
    /// page-aligned phys too, and the comm region is exactly the one page the hypervisor provides.
    /// </summary>
    private static void Alignment(CheckContext context, CheckedCell cell)
    {
        foreach (var region in cell.Cell.MemoryRegions)
        {
            if (region.Size == 0)
                continue;
            string entry = cell.MemoryEntry(region);
            if (region.Flags.HasFlag(MemoryFlags.CommRegion))
            {
                if (!PageAligned(region.VirtStart) || region.Size != PageSize)
                    context.Error("comm-region-layout", cell, entry, region.Origin,
                        $"the comm region at 0x{region.VirtStart:x} with size 0x{region.Size:x} is not one page-aligned 4 KiB page; the hypervisor backs it with exactly one page",
                        "give the comm region a page-aligned virt and size 4K");
                continue;
            }
            if (!region.IsSubpage)
            {
                if (!PageAligned(region.PhysStart))
                    context.Error("unaligned", cell, entry, region.Origin,
                        $"phys 0x{region.PhysStart:x} is not page-aligned while virt 0x{region.VirtStart:x} and size 0x{region.Size:x} are: the page tables would map the wrong bytes",
                        $"align phys to 4 KiB (e.g. 0x{region.PhysStart & ~(PageSize - 1):x}), or make the region a sub-page io region");
                continue;
            }
            const MemoryFlags notDeviceRegisters = MemoryFlags.Execute | MemoryFlags.Loadable | MemoryFlags.Dma;
            if (!region.Flags.HasFlag(MemoryFlags.Io) || (region.Flags & notDeviceRegisters) != 0)
            {
                context.Error("subpage", cell, entry, region.Origin,
                    $"virt 0x{region.VirtStart:x} or size 0x{region.Size:x} is not a multiple of 4 KiB, which is allowed only for device registers (io, without execute, loadable or dma): such regions are emulated access by access",
                    "align virt and size to 4 KiB, or make it an io region of device registers");
                continue;
            }
            const MemoryFlags widths = MemoryFlags.Io8 | MemoryFlags.Io16 | MemoryFlags.Io32 | MemoryFlags.Io64;
            if ((region.Flags & widths) == 0)
                context.Error("subpage", cell, entry, region.Origin,
                    "a sub-page io region without access widths: the hypervisor refuses every access to it",
                    "add the widths the driver uses, e.g. flags [..., io-8, io-32]");
        }
    }

    /// <summary>A non-root cell talks to the hypervisor through exactly one comm region.</summary>
    private static void CommRegion(CheckContext context, CheckedCell cell)
    {
        if (cell.IsRoot)
            return;
        var comm = cell.Cell.MemoryRegions.Where(r => r.Flags.HasFlag(MemoryFlags.CommRegion)).ToList();
        if (comm.Count == 0)
            context.Warning("comm-region-missing", cell, $"{cell.Prefix}.memory", cell.Cell.Origin,
                "the cell has no comm region: it cannot see its state or answer shutdown requests, so only a forced destroy stops it",
                "add { virt: 0x80000000 (any free guest page), size: 4K, flags: [read, write, comm-region] }");
        foreach (var extra in comm.Skip(1))
            context.Error("comm-region-duplicate", cell, cell.MemoryEntry(extra), extra.Origin,
                $"a second comm region (the first is {cell.MemoryEntry(comm[0])}): the cell has one comm page",
                "remove the extra comm region");
    }
}
