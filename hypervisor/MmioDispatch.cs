namespace Jailhouse.Hypervisor;

/// <summary>
/// One trapped access of a cell to guest-physical memory that stage 2 (EPT) does not map as it
/// was tried: the architecture fills it from the fault, a handler performs or refuses it.
/// Handlers see <see cref="Address"/> as the offset into their region.
/// </summary>
internal struct MmioAccess
{
    public ulong Address;
    /// <summary>Bytes: 1, 2, 4 or 8.</summary>
    public uint Size;
    public bool IsWrite;
    /// <summary>The value written (zero-extended to 64 bits), or the value read, filled by the handler.</summary>
    public ulong Value;
    /// <summary>The CPU that made the access (filled by the trap handler; handlers take locks in its name).</summary>
    public uint Cpu;

    public MmioAccess(ulong address, uint size, bool isWrite, ulong value)
    {
        Address = address;
        Size = size;
        IsWrite = isWrite;
        Value = value;
    }
}

/// <summary>A handler's answer, also what <see cref="MmioDispatch.Dispatch"/> returns.</summary>
internal static class MmioResult
{
    /// <summary>No region covers the access, or its handler refused it (wrong width, offset): the cell is stopped.</summary>
    public const int Unhandled = 0;
    public const int Handled = 1;
    /// <summary>The handler refused the access and printed the FATAL line itself: the cell is stopped.</summary>
    public const int Error = 2;
}

/// <summary>A guest-physical range whose accesses go to <see cref="Handler"/> with <see cref="Argument"/>.</summary>
internal unsafe struct MmioRegionHandler
{
    public ulong Start;
    public ulong Size;
    public delegate*<void*, MmioAccess*, int> Handler;
    public void* Argument;
}

/// <summary>
/// The MMIO regions of a cell that the hypervisor emulates (upstream's mmio_region_register /
/// mmio_handle_access): a fixed array of non-overlapping ranges, filled while the cell is set up,
/// read-only afterwards, so the trap path needs no lock. An access belongs to a region only if it
/// lies wholly inside it.
/// </summary>
internal unsafe struct MmioDispatch
{
    private readonly MmioRegionHandler* regions;
    private readonly uint capacity;
    private uint count;

    public MmioDispatch(MmioRegionHandler* storage, uint capacity)
    {
        regions = storage;
        this.capacity = capacity;
        count = 0;
    }

    public readonly uint Count => count;

    /// <summary>0, -EINVAL for an empty, wrapping or overlapping range or no handler, -ENOMEM when full.</summary>
    public int Register(ulong start, ulong size, delegate*<void*, MmioAccess*, int> handler, void* argument)
    {
        if (size == 0 || start + size < start || handler == null)
            return Errno.EINVAL;
        for (uint i = 0; i < count; i++)
            if (start < regions[i].Start + regions[i].Size && regions[i].Start < start + size)
                return Errno.EINVAL;
        if (count == capacity)
            return Errno.ENOMEM;
        regions[count] = new MmioRegionHandler { Start = start, Size = size, Handler = handler, Argument = argument };
        count++;
        return 0;
    }

    /// <summary>
    /// Hands the access to the region that contains it, with <see cref="MmioAccess.Address"/> made
    /// relative to the region; the caller keeps its own copy of the guest-physical address.
    /// </summary>
    public readonly int Dispatch(MmioAccess* access)
    {
        ulong address = access->Address;
        ulong end = address + access->Size;
        if (access->Size == 0 || end < address)
            return MmioResult.Unhandled;
        for (uint i = 0; i < count; i++)
        {
            MmioRegionHandler* region = regions + i;
            if (address >= region->Start && end <= region->Start + region->Size)
            {
                access->Address = address - region->Start;
                int result = region->Handler(region->Argument, access);
                return result == MmioResult.Handled || result == MmioResult.Error ? result : MmioResult.Unhandled;
            }
        }
        return MmioResult.Unhandled;
    }
}
