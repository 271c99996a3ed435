namespace Jailhouse.Hypervisor;

/// <summary>
/// How one kind of page table encodes its entries (ARMv8 stage 1/stage 2, Intel EPT). All use
/// 4 KiB tables of 512 64-bit entries; level 3 maps 4 KiB pages, level 2 2 MiB and level 1
/// 1 GiB blocks. The encoders are plain static functions (no interface dispatch in the
/// hypervisor); <see cref="PageTable"/> only walks and allocates.
/// </summary>
internal unsafe struct PagingFormat
{
    /// <summary>Level of the root table (0 for a 48-bit, 1 for a 39-bit address space).</summary>
    public int RootLevel;
    /// <summary>Lowest level (highest number) at which a leaf may sit above level 3 (1 or 2).</summary>
    public int FirstBlockLevel;
    /// <summary>Entry pointing to a next-level table at a physical address.</summary>
    public delegate*<ulong, ulong> Table;
    /// <summary>Leaf entry (physical address, access flags, level) mapping a page or block.</summary>
    public delegate*<ulong, ulong, int, ulong> Leaf;
    /// <summary>True if an entry is present at all.</summary>
    public delegate*<ulong, bool> IsPresent;
    /// <summary>True if a present entry at a level above 3 points to a table.</summary>
    public delegate*<ulong, int, bool> IsTable;
    /// <summary>The flags of a leaf entry, as <see cref="Leaf"/> takes them (splitting a block
    /// into smaller leaves keeps them); null for formats nothing is ever unmapped from.</summary>
    public delegate*<ulong, ulong> LeafFlags;

    public const ulong AddressMask = 0x0000_ffff_ffff_f000;
}

/// <summary>
/// A page-table builder over a <see cref="PagePool"/>: maps address ranges with the largest
/// pages alignment allows. Errors are return codes (no exceptions here): -ENOMEM when the pool
/// runs dry, -EINVAL for unaligned ranges or a range that overlaps an existing mapping.
/// </summary>
internal static unsafe class PageTable
{
    public const int Entries = 512;

    public static ulong LevelSize(int level) => 1UL << (12 + 9 * (3 - level));
    public static int Index(ulong address, int level) => (int)((address >> (12 + 9 * (3 - level))) & 0x1ff);

    /// <summary>Maps [virt, virt + size) to [phys, phys + size) with leaf flags <paramref name="flags"/>;
    /// the range must fit the address space the root level spans.</summary>
    public static int Map(ulong* root, ref PagePool pool, in PagingFormat format, ulong virt, ulong phys, ulong size, ulong flags)
    {
        const ulong pageMask = PagePool.PageSize - 1;
        if (((virt | phys | size) & pageMask) != 0)
            return Errno.EINVAL;
        // The root table covers 512 entries of its level: an address beyond would wrap around.
        ulong limit = LevelSize(format.RootLevel) * Entries;
        if (virt >= limit || size > limit - virt)
            return Errno.EINVAL;
        // The descriptor holds physical address bits 47:12; higher bits would become attributes.
        if (!SystemConfig.RangeFits(phys, size, SystemConfig.PhysicalLimit))
            return Errno.EINVAL;
        while (size > 0)
        {
            ulong* table = root;
            for (int level = format.RootLevel; ; level++)
            {
                ulong* entry = table + Index(virt, level);
                ulong blockSize = LevelSize(level);
                bool leafFits = level == 3
                    || (level >= format.FirstBlockLevel && ((virt | phys) & (blockSize - 1)) == 0 && size >= blockSize);
                if (leafFits)
                {
                    if (format.IsPresent(*entry))
                        return Errno.EINVAL;
                    *entry = format.Leaf(phys, flags, level);
                    virt += blockSize;
                    phys += blockSize;
                    size -= blockSize;
                    break;
                }
                if (!format.IsPresent(*entry))
                {
                    void* child = pool.Allocate();
                    if (child == null)
                        return Errno.ENOMEM;
                    *entry = format.Table(pool.ToPhys(child));
                }
                else if (!format.IsTable(*entry, level))
                {
                    return Errno.EINVAL;
                }
                table = (ulong*)pool.ToVirt(*entry & PagingFormat.AddressMask);
            }
        }
        return 0;
    }

    /// <summary>
    /// Removes [virt, virt + size) from the tables: leaves inside the range are cleared, a block
    /// that reaches beyond it is first split into next-level leaves with the same flags (which
    /// takes pool pages; -ENOMEM when there are none), tables left empty are given back to the
    /// pool. Parts of the range that were not mapped stay so. The caller flushes the TLBs.
    /// </summary>
    public static int Unmap(ulong* root, ref PagePool pool, in PagingFormat format, ulong virt, ulong size)
    {
        const ulong pageMask = PagePool.PageSize - 1;
        if (((virt | size) & pageMask) != 0)
            return Errno.EINVAL;
        ulong limit = LevelSize(format.RootLevel) * Entries;
        if (virt >= limit || size > limit - virt)
            return Errno.EINVAL;
        return UnmapIn(root, format.RootLevel, ref pool, format, virt, virt + size);
    }

    /// <summary>Unmaps [start, end) within <paramref name="table"/> of <paramref name="level"/>.</summary>
    private static int UnmapIn(ulong* table, int level, ref PagePool pool, in PagingFormat format, ulong start, ulong end)
    {
        ulong blockSize = LevelSize(level);
        ulong address = start;
        while (address < end)
        {
            ulong blockStart = address & ~(blockSize - 1);
            ulong blockEnd = blockStart + blockSize;
            ulong partEnd = end < blockEnd ? end : blockEnd;
            ulong* entry = table + Index(address, level);
            if (format.IsPresent(*entry))
            {
                bool whole = address == blockStart && partEnd == blockEnd;
                if (!format.IsTable(*entry, level))
                {
                    if (!whole)
                    {
                        int split = Split(entry, level, ref pool, format);
                        if (split != 0)
                            return split;
                    }
                    else
                    {
                        *entry = 0;
                    }
                }
                if (format.IsPresent(*entry))
                {
                    var child = (ulong*)pool.ToVirt(*entry & PagingFormat.AddressMask);
                    int result = UnmapIn(child, level + 1, ref pool, format, address, partEnd);
                    if (result != 0)
                        return result;
                    if (IsEmpty(child, format))
                    {
                        *entry = 0;
                        pool.Free(child);
                    }
                }
            }
            address = partEnd;
        }
        return 0;
    }

    /// <summary>Replaces the block at <paramref name="entry"/> by a table of leaves with its flags covering the same range.</summary>
    private static int Split(ulong* entry, int level, ref PagePool pool, in PagingFormat format)
    {
        if (format.LeafFlags == null || level >= 3)
            return Errno.EINVAL;
        var child = (ulong*)pool.Allocate();
        if (child == null)
            return Errno.ENOMEM;
        ulong flags = format.LeafFlags(*entry);
        ulong phys = *entry & PagingFormat.AddressMask & ~(LevelSize(level) - 1);
        ulong childSize = LevelSize(level + 1);
        for (int i = 0; i < Entries; i++)
            child[i] = format.Leaf(phys + (ulong)i * childSize, flags, level + 1);
        *entry = format.Table(pool.ToPhys(child));
        return 0;
    }

    private static bool IsEmpty(ulong* table, in PagingFormat format)
    {
        for (int i = 0; i < Entries; i++)
            if (format.IsPresent(table[i]))
                return false;
        return true;
    }

    /// <summary>Gives every table below <paramref name="root"/> and the root itself back to the pool.</summary>
    public static void Destroy(ulong* root, ref PagePool pool, in PagingFormat format)
    {
        FreeBelow(root, format.RootLevel, ref pool, format);
        pool.Free(root);
    }

    private static void FreeBelow(ulong* table, int level, ref PagePool pool, in PagingFormat format)
    {
        if (level >= 3)
            return;
        for (int i = 0; i < Entries; i++)
        {
            if (!format.IsPresent(table[i]) || !format.IsTable(table[i], level))
                continue;
            var child = (ulong*)pool.ToVirt(table[i] & PagingFormat.AddressMask);
            FreeBelow(child, level + 1, ref pool, format);
            pool.Free(child);
            table[i] = 0;
        }
    }

    /// <summary>The leaf entry that maps <paramref name="virt"/> and its physical address, or false when unmapped.</summary>
    public static bool Translate(ulong* root, ref PagePool pool, in PagingFormat format, ulong virt, out ulong phys, out ulong entryValue)
    {
        phys = 0;
        entryValue = 0;
        ulong limit = LevelSize(format.RootLevel) * Entries;
        if (virt >= limit)
            return false;
        ulong* table = root;
        for (int level = format.RootLevel; level <= 3; level++)
        {
            ulong entry = table[Index(virt, level)];
            if (!format.IsPresent(entry))
                return false;
            if (!format.IsTable(entry, level))
            {
                ulong blockSize = LevelSize(level);
                phys = (entry & PagingFormat.AddressMask & ~(blockSize - 1)) + (virt & (blockSize - 1));
                entryValue = entry;
                return true;
            }
            table = (ulong*)pool.ToVirt(entry & PagingFormat.AddressMask);
        }
        return false;
    }
}
