namespace Jailhouse.Hypervisor;

/// <summary>
/// Builds a cell's second-stage address space (stage 2 on ARM, EPT on x86) from its memory
/// regions: guest-physical <c>virt</c> maps to <c>phys</c> with the region's access rights.
/// Empty regions are skipped, and so are sub-page io regions (<see cref="MmioSubpage"/>: they
/// trap and the hypervisor performs the accesses); a sub-page region that is not io is refused
/// (-EINVAL). A comm region maps the cell's communication page. A region
/// that overlaps hypervisor memory is refused (-EINVAL): no cell may ever reach the
/// hypervisor's code, data or page pool.
/// </summary>
internal static unsafe class CellPaging
{
    /// <param name="leafFlags">The architecture's translation of region flags to leaf flags.</param>
    /// <param name="commPagePhys">Physical address of the cell's comm page.</param>
    public static int MapRegions(in SystemConfig config, ulong* root, ref PagePool pool, in PagingFormat format,
        delegate*<ulong, ulong> leafFlags, ulong commPagePhys) =>
        MapRegions(config.RootDesc, config.HypervisorPhys, config.HypervisorSize, root, ref pool, format, leafFlags, commPagePhys);

    /// <summary>The same for any cell's descriptor, hypervisor memory given as start and size.</summary>
    public static int MapRegions(CellDesc cell, ulong hvStart, ulong hvSize, ulong* root, ref PagePool pool, in PagingFormat format,
        delegate*<ulong, ulong> leafFlags, ulong commPagePhys)
    {
        ulong hvEnd = hvStart + hvSize;
        for (uint i = 0; i < cell.MemoryRegionCount; i++)
        {
            MemoryRegion region = cell.MemoryRegion(i);
            if (region.Size == 0)
                continue;
            if (MmioSubpage.IsSubpage(region))
            {
                if ((region.Flags & MemoryRegion.Io) == 0)
                    return Errno.EINVAL;
                continue;
            }
            ulong phys = region.Phys;
            ulong size = region.Size;
            if ((region.Flags & MemoryRegion.CommRegion) != 0)
            {
                phys = commPagePhys;
                size = PagePool.PageSize;
            }
            else if (phys < hvEnd && phys + size > hvStart)
            {
                return Errno.EINVAL;
            }
            int result = PageTable.Map(root, ref pool, format, region.Virt, phys, size, leafFlags(region.Flags));
            if (result != 0)
                return result;
        }
        return 0;
    }

    /// <summary>
    /// What the root cell sees of hypervisor memory (as upstream): every page read-only and
    /// backed by one empty page, so that Linux's own mapping of that memory stays harmless,
    /// except the console page, mapped read-only to the real one when
    /// <paramref name="consolePagePhys"/> is not 0. Writes fault.
    /// </summary>
    public static int MapHypervisorShadow(in SystemConfig config, ulong* root, ref PagePool pool, in PagingFormat format,
        ulong readOnlyFlags, ulong emptyPagePhys, ulong consolePagePhys)
    {
        ulong start = config.HypervisorPhys;
        for (ulong page = start; page < start + config.HypervisorSize; page += PagePool.PageSize)
        {
            ulong backing = page == consolePagePhys ? consolePagePhys : emptyPagePhys;
            int result = PageTable.Map(root, ref pool, format, page, backing, PagePool.PageSize, readOnlyFlags);
            if (result != 0)
                return result;
        }
        return 0;
    }
}
