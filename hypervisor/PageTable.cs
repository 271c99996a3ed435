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
}
