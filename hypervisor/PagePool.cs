namespace Jailhouse.Hypervisor;

/// <summary>
/// The hypervisor's page allocator: 4 KiB pages from a contiguous range of hypervisor memory
/// (on the target, what follows the system configuration). Pages are handed out zeroed, first
/// from the pages given back (<see cref="Free"/>: a destroyed cell's tables and configuration),
/// then in order from the untouched rest. The pages given back form a list threaded through
/// themselves, sorted by falling address; one just below the untouched rest joins it again, so a
/// cell created and destroyed leaves the pool as it found it. The pool also
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
    /// <summary>Highest page given back (its first word points to the next lower one), or null.</summary>
    private byte* freeList;
    private ulong freeCount;

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
    public ulong UsedPages => (ulong)(next - start) / PageSize - freeCount;

    /// <summary>A zeroed page, or null when the pool is exhausted.</summary>
    public void* Allocate()
    {
        byte* page;
        if (freeList != null)
        {
            page = freeList;
            freeList = *(byte**)page;
            freeCount--;
        }
        else
        {
            if (next + PageSize > end)
                return null;
            page = next;
            next += PageSize;
        }
        Zero(page, 1);
        return page;
    }

    private static void Zero(byte* first, ulong pages)
    {
        ulong* words = (ulong*)first;
        for (ulong i = 0; i < pages * (PageSize / 8); i++)
            words[i] = 0;
    }

    /// <summary><paramref name="count"/> zeroed pages in a row (a run among those given back, else
    /// from the untouched rest), or null.</summary>
    public byte* AllocateContiguous(ulong count)
    {
        if (count == 0)
            return null;
        // In the falling list a run is a chain of pages each one page below the one before.
        byte** runLink = null;   // the pointer to the run's highest page
        byte* previous = null;
        ulong runLength = 0;
        for (byte** current = AddressOf(ref freeList); *current != null; current = (byte**)*current)
        {
            byte* page = *current;
            if (runLength > 0 && page + PageSize == previous)
            {
                runLength++;
            }
            else
            {
                runLink = current;
                runLength = 1;
            }
            previous = page;
            if (runLength == count)
            {
                *runLink = *(byte**)page;          // unlink the whole run
                freeCount -= count;
                Zero(page, count);
                return page;
            }
        }
        if (count > (ulong)(end - next) / PageSize)
            return null;
        byte* first = next;
        next += count * PageSize;
        Zero(first, count);
        return first;
    }

    private static byte** AddressOf(ref byte* head)
    {
        fixed (byte** address = &head)
            return address;
    }

    /// <summary>Gives back a page <see cref="Allocate"/> returned (null is ignored).</summary>
    public void Free(void* page)
    {
        if (page == null)
            return;
        byte* freed = (byte*)page;
        byte** link = AddressOf(ref freeList);
        while (*link != null && *link > freed)
            link = (byte**)*link;
        *(byte**)freed = *link;
        *link = freed;
        freeCount++;
        // Pages just below the untouched rest join it again.
        while (freeList != null && freeList + PageSize == next)
        {
            next = freeList;
            freeList = *(byte**)freeList;
            freeCount--;
        }
    }

    /// <summary>Gives back <paramref name="count"/> pages from <see cref="AllocateContiguous"/>.</summary>
    public void FreeContiguous(byte* first, ulong count)
    {
        for (ulong i = 0; i < count; i++)
            Free(first + i * PageSize);
    }

    public ulong ToPhys(void* virt) => (ulong)virt + virtToPhys;
    public void* ToVirt(ulong phys) => (void*)(phys - virtToPhys);
}
