namespace Jailhouse.Hypervisor;

/// <summary>
/// The hypervisor's page allocator: 4 KiB pages from a contiguous range of hypervisor memory
/// (on the target, what follows the system configuration). Pages are handed out in order and
/// zeroed; they are never freed yet (nothing is torn down before disable). The pool also
/// converts between the hypervisor's virtual addresses and physical addresses, which differ
/// by one constant offset within hypervisor memory.
/// </summary>
internal unsafe struct PagePool
{
    public const ulong PageSize = 4096;

    private byte* next;
    private byte* end;
    private byte* start;
    private ulong virtToPhys;

    /// <param name="first">First byte of the range (rounded up to a page).</param>
    /// <param name="limit">End of the range (exclusive).</param>
    /// <param name="physOfVirtZero">Physical address minus virtual address, modulo 2^64.</param>
    public PagePool(byte* first, byte* limit, ulong physOfVirtZero)
    {
        start = (byte*)(((ulong)first + PageSize - 1) & ~(PageSize - 1));
        next = start;
        end = limit > start ? limit : start;   // nothing left: an empty pool, not a huge one
        virtToPhys = physOfVirtZero;
    }

    public ulong Pages => (ulong)(end - start) / PageSize;
    public ulong UsedPages => (ulong)(next - start) / PageSize;

    /// <summary>A zeroed page, or null when the pool is exhausted.</summary>
    public void* Allocate()
    {
        if (next + PageSize > end)
            return null;
        byte* page = next;
        next += PageSize;
        ulong* words = (ulong*)page;
        for (int i = 0; i < (int)(PageSize / 8); i++)
            words[i] = 0;
        return page;
    }

    public ulong ToPhys(void* virt) => (ulong)virt + virtToPhys;
    public void* ToVirt(ulong phys) => (void*)(phys - virtToPhys);
}
