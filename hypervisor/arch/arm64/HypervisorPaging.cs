namespace Jailhouse.Hypervisor;

/// <summary>Where the hypervisor's pieces are: virtual addresses of the image sections and
/// hypervisor memory, the debug UART's window, and the page with the MMU-off trampoline.</summary>
internal struct HypervisorLayout
{
    public ulong Base;
    public ulong RodataStart;
    public ulong DataStart;
    public ulong MemorySize;
    public ulong UartVirt;
    public ulong UartPhys;
    public ulong TrampolineVirt;
}

/// <summary>
/// The hypervisor's final EL2 page tables (stage 1, 48-bit, 4 KiB pages), replacing the
/// bootstrap tables of entry.S: code read-only and executable, read-only data read-only,
/// the rest of hypervisor memory writable and never executable, the UART page as device
/// memory, and of the physical address space only the one page that turns the MMU off on the
/// way out (the bootstrap tables had a whole GiB of it).
/// </summary>
internal static unsafe class HypervisorPaging
{
    private const ulong Valid = 1UL << 0;
    private const ulong PageOrTable = 1UL << 1;
    private const ulong AttrNormal = 0UL << 2;  // MAIR_EL2 attr0: write-back
    private const ulong AttrDevice = 1UL << 2;  // MAIR_EL2 attr1: device nGnRE
    public const ulong ReadOnly = 1UL << 7;     // AP[2]
    private const ulong InnerShareable = 3UL << 8;
    private const ulong AccessFlag = 1UL << 10;
    public const ulong ExecuteNever = 1UL << 54;

    public const ulong Code = AccessFlag | InnerShareable | AttrNormal | ReadOnly;
    public const ulong ReadOnlyData = AccessFlag | InnerShareable | AttrNormal | ReadOnly | ExecuteNever;
    public const ulong Data = AccessFlag | InnerShareable | AttrNormal | ExecuteNever;
    public const ulong Device = AccessFlag | AttrDevice | ExecuteNever;

    public static PagingFormat Format => new PagingFormat
    {
        RootLevel = 0,
        FirstBlockLevel = 4, // 4 KiB pages only: permissions change at page granularity
        Table = &Table,
        Leaf = &Leaf,
        IsPresent = &IsPresent,
        IsTable = &IsTable,
    };

    public static ulong Table(ulong phys) => phys | Valid | PageOrTable;
    public static ulong Leaf(ulong phys, ulong flags, int level) => phys | flags | Valid | (level == 3 ? PageOrTable : 0);
    public static bool IsPresent(ulong entry) => (entry & Valid) != 0;
    public static bool IsTable(ulong entry, int level) => level < 3 && (entry & PageOrTable) != 0;

    /// <summary>Maps device registers (page-aligned <paramref name="phys"/> and <paramref name="size"/>) at
    /// <paramref name="virt"/> as device memory, writable, never executable.</summary>
    public static int MapDevice(ulong* root, ref PagePool pool, ulong virt, ulong phys, ulong size) =>
        PageTable.Map(root, ref pool, Format, virt, phys, size, Device);

    public static int Build(ulong* root, ref PagePool pool, in HypervisorLayout layout)
    {
        PagingFormat format = Format;
        ulong basePhys = pool.ToPhys((void*)layout.Base);
        int result = PageTable.Map(root, ref pool, format, layout.Base, basePhys, layout.RodataStart - layout.Base, Code);
        if (result == 0)
            result = PageTable.Map(root, ref pool, format, layout.RodataStart, basePhys + (layout.RodataStart - layout.Base),
                layout.DataStart - layout.RodataStart, ReadOnlyData);
        if (result == 0)
            result = PageTable.Map(root, ref pool, format, layout.DataStart, basePhys + (layout.DataStart - layout.Base),
                layout.MemorySize - (layout.DataStart - layout.Base), Data);
        if (result == 0 && layout.UartVirt != 0)
            result = PageTable.Map(root, ref pool, format, layout.UartVirt & ~0xfffUL, layout.UartPhys & ~0xfffUL, PagePool.PageSize, Device);
        if (result == 0)
        {
            ulong trampolinePhys = pool.ToPhys((void*)(layout.TrampolineVirt & ~0xfffUL));
            result = PageTable.Map(root, ref pool, format, trampolinePhys, trampolinePhys, PagePool.PageSize, Code);
        }
        return result;
    }
}
