namespace Jailhouse.Hypervisor;

/// <summary>
/// The page tables the hypervisor runs on after a VM exit (host CR3), its own as upstream's:
/// hypervisor memory where the driver mapped it (the code runs there, the descriptor tables
/// and stacks are in it), the debug console's MMIO page where the driver mapped that, and
/// physical memory below 4 GiB twice, write-back at 0 (guest RAM: page-table walks,
/// instruction fetches) and uncacheable at <see cref="UncachedBase"/> (devices the hypervisor
/// performs accesses on). Nothing of Linux's kernel half: the root cell's memory is reached
/// only through the identity maps, and the host's exceptions go to its own IDT.
/// </summary>
internal static unsafe class X86HostPaging
{
    private const ulong Present = 1UL << 0;
    private const ulong Writable = 1UL << 1;
    private const ulong WriteThrough = 1UL << 3;
    private const ulong CacheDisable = 1UL << 4;
    private const ulong LargePage = 1UL << 7;
    private const ulong NoExecute = 1UL << 63;
    private const ulong CanonicalMask = (1UL << 48) - 1;
    private const ulong EferNoExecuteEnable = 1UL << 11;

    public const ulong IdentitySize = 4UL << 30;
    public const ulong UncachedBase = 1UL << 39;

    public static PagingFormat Format => new PagingFormat
    {
        RootLevel = 0,
        FirstBlockLevel = 2,
        Table = &Table,
        Leaf = &Leaf,
        IsPresent = &IsPresent,
        IsTable = &IsTable,
    };

    public static ulong Table(ulong phys) => phys | Present | Writable;
    public static ulong Leaf(ulong phys, ulong flags, int level) => phys | flags | Present | (level < 3 ? LargePage : 0);
    public static bool IsPresent(ulong entry) => (entry & Present) != 0;
    public static bool IsTable(ulong entry, int level) => level < 3 && (entry & LargePage) == 0;

    /// <summary>Physical memory below 4 GiB as the hypervisor reads guest RAM (write-back).</summary>
    public static byte* Physical(ulong phys) => phys < IdentitySize ? (byte*)phys : null;

    /// <summary>Physical memory below 4 GiB as the hypervisor touches device registers (uncacheable).</summary>
    public static byte* Device(ulong phys) => phys < IdentitySize ? (byte*)(UncachedBase + phys) : null;

    /// <summary>Builds the host tables into <paramref name="pml4"/>; -ENOMEM when the pool runs out.</summary>
    public static int Build(ulong* pml4, ref PagePool pool, ulong hypervisorVirt, ulong hypervisorPhys, ulong hypervisorSize,
        ulong consoleVirt, ulong consolePhys)
    {
        PagingFormat format = Format;
        // The NX bit is reserved (a fault) unless the caller turned on EFER.NXE, as Linux does.
        ulong noExecute = (Arch.ReadMsr(Msr.Efer) & EferNoExecuteEnable) != 0 ? NoExecute : 0;
        int result = PageTable.Map(pml4, ref pool, format, hypervisorVirt & CanonicalMask, hypervisorPhys, hypervisorSize, Writable);
        if (result == 0)
            result = PageTable.Map(pml4, ref pool, format, 0, 0, IdentitySize, Writable | noExecute);
        if (result == 0)
            result = PageTable.Map(pml4, ref pool, format, UncachedBase, 0, IdentitySize, Writable | WriteThrough | CacheDisable | noExecute);
        if (result == 0 && consoleVirt != 0)
            result = PageTable.Map(pml4, ref pool, format, consoleVirt & CanonicalMask & ~(PagePool.PageSize - 1),
                consolePhys & ~(PagePool.PageSize - 1), PagePool.PageSize, Writable | WriteThrough | CacheDisable | noExecute);
        return result;
    }
}
