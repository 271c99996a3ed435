namespace Jailhouse.Hypervisor;

/// <summary>
/// The EL2 virtual range where the device registers the hypervisor performs accesses on are
/// mapped (sub-page regions, the GIC distributor), handed out page by page. Addresses come from
/// the configuration, so the arithmetic is checked: a range that wraps around 2^64 or does not
/// fit into what is left of the window is refused.
/// </summary>
internal struct DeviceWindow
{
    public ulong Base;
    public ulong Size;
    public ulong Used;

    public DeviceWindow(ulong windowBase, ulong size)
    {
        Base = windowBase;
        Size = size;
        Used = 0;
    }

    /// <summary>
    /// Reserves the pages holding physical <paramref name="phys"/>..+<paramref name="size"/>: the
    /// first page's physical address, the length to map and where it goes. False (nothing
    /// reserved) for an empty or wrapping range or when the window is full.
    /// </summary>
    public bool Reserve(ulong phys, ulong size, out ulong firstPage, out ulong length, out ulong virt)
    {
        const ulong pageMask = PagePool.PageSize - 1;
        firstPage = phys & ~pageMask;
        length = 0;
        virt = 0;
        if (size == 0 || size - 1 > ~0UL - phys)
            return false;                                   // phys + size - 1 wraps
        ulong last = phys + (size - 1);
        ulong lastPage = last & ~pageMask;
        ulong pages = ((lastPage - firstPage) >> 12) + 1;
        if (pages > (Size - Used) >> 12)
            return false;
        length = pages << 12;
        virt = Base + Used;
        Used += length;
        return true;
    }
}
