namespace Jailhouse.Hypervisor;

/// <summary>
/// The page tables the hypervisor runs on after a VM exit (host CR3). Upper half: Linux's
/// kernel half, copied entry by entry from the PML4 the driver called us on (upstream borrows
/// the root cell's tables the same way), which maps hypervisor memory where the driver put it
/// and the GDT, IDT and TSS that stay the host's. Lower half, ours: physical memory below
/// 4 GiB twice, write-back at 0 (guest RAM: page-table walks, instruction fetches) and
/// uncacheable at <see cref="UncachedBase"/> (devices the hypervisor performs accesses on).
/// Before the copy the hypervisor maps its own memory at the driver's address so that it can
/// switch to these tables and read Linux's PML4 through the identity map.
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

    /// <summary>
    /// Builds the host tables into <paramref name="pml4"/> and switches this CPU to them; the
    /// caller's CR3 (Linux's) is <paramref name="linuxCr3"/>. -ENOMEM, or -EIO when Linux's PML4
    /// lies above what the identity map reaches.
    /// </summary>
    public static int Build(ulong* pml4, ref PagePool pool, ulong hypervisorVirt, ulong hypervisorPhys, ulong hypervisorSize,
        ulong consoleVirt, ulong consolePhys, ulong linuxCr3)
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
        if (result != 0)
            return result;
        ulong linuxPml4 = linuxCr3 & PagingFormat.AddressMask;
        if (linuxPml4 + PagePool.PageSize > IdentitySize)
            return Errno.EIO;
        ulong pml4Phys = pool.ToPhys(pml4);
        Arch.WriteCr3(pml4Phys);
        ulong* linux = (ulong*)Physical(linuxPml4);
        for (int i = PageTable.Entries / 2; i < PageTable.Entries; i++)
            pml4[i] = linux[i];
        Arch.WriteCr3(pml4Phys);
        return 0;
    }
}
