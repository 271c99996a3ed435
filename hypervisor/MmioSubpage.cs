namespace Jailhouse.Hypervisor;

/// <summary>A sub-page region as the hypervisor performs it: where its first register is mapped
/// at EL2, and the region's flags (read, write, access widths).</summary>
internal unsafe struct SubpageDevice
{
    public byte* Registers;
    public ulong Flags;
}

/// <summary>
/// Sub-page I/O regions (upstream's JAILHOUSE_MEMORY_IS_SUBPAGE): a memory region whose
/// guest-physical start or size is not a multiple of a page cannot be mapped at stage 2
/// without exposing the rest of its page, so it is left unmapped; the cell's accesses trap and
/// <see cref="Access"/> performs those inside the region with an allowed width (io-8/16/32/64
/// flags; aligned unless io-unaligned) and the region's read/write rights. Everything else in
/// the page finds no handler and stops the CPU.
/// </summary>
internal static unsafe class MmioSubpage
{
    public const ulong IoUnaligned = 0x8000;
    public const ulong Io8 = 0x1_0000;
    public const ulong Io16 = 0x2_0000;
    public const ulong Io32 = 0x4_0000;
    public const ulong Io64 = 0x8_0000;

    public static bool IsSubpage(in MemoryRegion region) =>
        ((region.Virt | region.Size) & (PagePool.PageSize - 1)) != 0;

    /// <summary>
    /// Registers every sub-page region of a cell (the root cell's or a non-root cell's) with <paramref name="dispatch"/>; its
    /// registers are mapped for the hypervisor by <paramref name="mapDevice"/> (physical start and
    /// size in, EL2 address of the start out, null when out of space). A sub-page region that is
    /// not io is refused (-EINVAL), as the configuration checker does.
    /// </summary>
    public static int RegisterAll(CellDesc config, ref MmioDispatch dispatch, SubpageDevice* storage, uint capacity,
        delegate*<ulong, ulong, byte*> mapDevice)
    {
        uint used = 0;
        for (uint i = 0; i < config.MemoryRegionCount; i++)
        {
            MemoryRegion region = config.MemoryRegion(i);
            if (region.Size == 0 || !IsSubpage(region))
                continue;
            if ((region.Flags & MemoryRegion.Io) == 0)
                return Errno.EINVAL;
            if (used == capacity)
                return Errno.ENOMEM;
            byte* registers = mapDevice(region.Phys, region.Size);
            if (registers == null)
                return Errno.ENOMEM;
            SubpageDevice* device = storage + used;
            device->Registers = registers;
            device->Flags = region.Flags;
            int result = dispatch.Register(region.Virt, region.Size, &Access, device);
            if (result != 0)
                return result;
            used++;
        }
        return 0;
    }

    /// <summary>The MMIO handler: performs the access on the device, or refuses it.</summary>
    public static int Access(void* argument, MmioAccess* access)
    {
        var device = (SubpageDevice*)argument;
        ulong flags = device->Flags;
        uint size = access->Size;
        if ((flags & ((ulong)size << 16)) == 0)
            return MmioResult.Unhandled;
        if ((access->Address & (size - 1)) != 0 && (flags & IoUnaligned) == 0)
            return MmioResult.Unhandled;
        if ((flags & (access->IsWrite ? MemoryRegion.Write : MemoryRegion.Read)) == 0)
            return MmioResult.Unhandled;
        byte* register = device->Registers + access->Address;
        if (access->IsWrite)
            MmioSized.Write(register, size, access->Value);
        else
            access->Value = MmioSized.Read(register, size);
        return MmioResult.Handled;
    }
}
