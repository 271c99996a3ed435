namespace Jailhouse.Hypervisor;

/// <summary>
/// Intel EPT (extended page tables): 4-level walk from the PML4 (level 0), 2 MiB large pages at
/// level 2 (1 GiB pages are optional hardware), read/write/execute bits per entry, memory type
/// in leaves: write-back for RAM, uncacheable for I/O regions. Also the EPT pointer.
/// </summary>
internal static unsafe class X86Ept
{
    public const ulong Read = 1UL << 0;
    public const ulong Write = 1UL << 1;
    public const ulong Execute = 1UL << 2;
    private const ulong MemoryTypeShift = 3;
    public const ulong MemoryTypeUncacheable = 0;
    public const ulong MemoryTypeWriteBack = 6;
    public const ulong LargePage = 1UL << 7;

    public static PagingFormat Format => new PagingFormat
    {
        RootLevel = 0,
        FirstBlockLevel = 2,
        Table = &Table,
        Leaf = &Leaf,
        IsPresent = &IsPresent,
        IsTable = &IsTable,
    };

    // Tables grant everything; the leaves decide.
    public static ulong Table(ulong phys) => phys | Read | Write | Execute;
    public static ulong Leaf(ulong phys, ulong flags, int level) => phys | flags | (level < 3 ? LargePage : 0);
    public static bool IsPresent(ulong entry) => (entry & (Read | Write | Execute)) != 0;
    public static bool IsTable(ulong entry, int level) => level < 3 && (entry & LargePage) == 0;

    public static ulong RegionFlags(ulong regionFlags)
    {
        ulong flags = 0;
        if ((regionFlags & MemoryRegion.Read) != 0)
            flags |= Read;
        if ((regionFlags & MemoryRegion.Write) != 0)
            flags |= Write;
        if ((regionFlags & MemoryRegion.Execute) != 0)
            flags |= Execute;
        ulong type = (regionFlags & MemoryRegion.Io) != 0 ? MemoryTypeUncacheable : MemoryTypeWriteBack;
        return flags | (type << (int)MemoryTypeShift);
    }

    /// <summary>EPTP: write-back paging-structure accesses, 4-level walk (length - 1 = 3).</summary>
    public static ulong Pointer(ulong pml4Phys) => pml4Phys | (3UL << 3) | MemoryTypeWriteBack;
}
