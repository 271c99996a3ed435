using Jailhouse.Config.Binary;

namespace Jailhouse.Hypervisor;

/// <summary>
/// A read-only view of one struct jailhouse_cell_desc (revision 14) and the arrays behind it,
/// read in place: the root cell inside the system configuration, or a non-root cell's
/// configuration once <see cref="Control"/> copied it into hypervisor memory. Nothing here
/// checks bounds: <see cref="ConfigSize"/> must have been compared with the bytes present first.
/// </summary>
internal readonly unsafe struct CellDesc
{
    private readonly byte* desc;

    public CellDesc(byte* desc) => this.desc = desc;

    public byte* Address => desc;
    public bool IsNull => desc == null;

    private uint Field(int offset) => *(uint*)(desc + offset);

    /// <summary>The cell's NUL-terminated name (at most 31 bytes once checked).</summary>
    public byte* Name => desc + BinaryLayout.CellName;
    public uint Flags => Field(BinaryLayout.CellFlagsField);
    public uint VpciIrqBase => Field(BinaryLayout.CellVpciIrqBase);
    public ulong CpuResetAddress => *(ulong*)(desc + BinaryLayout.CellCpuResetAddress);
    public ulong MsgReplyTimeout => *(ulong*)(desc + BinaryLayout.CellMsgReplyTimeout);
    /// <summary>The cell's struct jailhouse_console (32 bytes).</summary>
    public byte* Console => desc + BinaryLayout.CellConsole;
    public uint CpuSetSize => Field(BinaryLayout.CellCpuSetSize);
    public byte* CpuSet => desc + BinaryLayout.CellDescSize;
    public uint MemoryRegionCount => Field(BinaryLayout.CellNumMemoryRegions);
    public uint CacheRegionCount => Field(BinaryLayout.CellNumCacheRegions);
    public uint IrqchipCount => Field(BinaryLayout.CellNumIrqchips);
    public uint PioRegionCount => Field(BinaryLayout.CellNumPioRegions);
    public uint PciDeviceCount => Field(BinaryLayout.CellNumPciDevices);
    public uint PciCapabilityCount => Field(BinaryLayout.CellNumPciCaps);
    public uint StreamIdCount => Field(BinaryLayout.CellNumStreamIds);

    public MemoryRegion MemoryRegion(uint index)
    {
        byte* region = CpuSet + CpuSetSize + index * BinaryLayout.MemoryRegionSize;
        return new MemoryRegion(*(ulong*)(region + BinaryLayout.MemoryPhysStart), *(ulong*)(region + BinaryLayout.MemoryVirtStart),
            *(ulong*)(region + BinaryLayout.MemorySizeField), *(ulong*)(region + BinaryLayout.MemoryFlagsField));
    }

    private byte* Irqchip(uint index) =>
        CpuSet + CpuSetSize + MemoryRegionCount * BinaryLayout.MemoryRegionSize + CacheRegionCount * BinaryLayout.CacheRegionSize
        + index * BinaryLayout.IrqchipSize;

    /// <summary>struct jailhouse_irqchip: the chip's base address, the first INTID of its pin bitmap,
    /// and the bitmap (4 x 32 bits, bit n = INTID pin_base + n belongs to the cell).</summary>
    public ulong IrqchipAddress(uint index) => *(ulong*)(Irqchip(index) + BinaryLayout.IrqchipAddress);
    public uint IrqchipPinBase(uint index) => *(uint*)(Irqchip(index) + BinaryLayout.IrqchipPinBase);
    public uint* IrqchipPinBitmap(uint index) => (uint*)(Irqchip(index) + BinaryLayout.IrqchipPinBitmap);

    /// <summary>True if one of the cell's irqchips at <paramref name="chipAddress"/> lists INTID <paramref name="irq"/>.</summary>
    public bool HasPin(ulong chipAddress, uint irq)
    {
        for (uint chip = 0; chip < IrqchipCount; chip++)
        {
            if (IrqchipAddress(chip) != chipAddress)
                continue;
            uint pinBase = IrqchipPinBase(chip);
            if (irq < pinBase || irq - pinBase >= BinaryLayout.IrqchipPinBitmapWords * 32)
                continue;
            uint bit = irq - pinBase;
            if ((IrqchipPinBitmap(chip)[bit / 32] & (1u << (int)(bit % 32))) != 0)
                return true;
        }
        return false;
    }

    private byte* PioRegions => Irqchip(0) + IrqchipCount * BinaryLayout.IrqchipSize;

    /// <summary>struct jailhouse_pio: first port and length of the cell's port range <paramref name="index"/>.</summary>
    public ushort PioBase(uint index) => *(ushort*)(PioRegions + index * BinaryLayout.PioRangeSize);
    public ushort PioLength(uint index) => *(ushort*)(PioRegions + index * BinaryLayout.PioRangeSize + 2);

    /// <summary>struct jailhouse_pci_device <paramref name="index"/> (56 bytes, see <see cref="PciDevice"/>).</summary>
    public byte* PciDeviceAt(uint index) => PioRegions + PioRegionCount * BinaryLayout.PioRangeSize + index * BinaryLayout.PciDeviceSize;

    /// <summary>True if the cell lists PCI device <paramref name="domain"/>:<paramref name="bdf"/> (of any type).</summary>
    public bool HasPciDevice(ushort domain, ushort bdf)
    {
        for (uint i = 0; i < PciDeviceCount; i++)
        {
            byte* device = PciDeviceAt(i);
            if (*(ushort*)(device + PciDevice.Domain) == domain && *(ushort*)(device + PciDevice.Bdf) == bdf)
                return true;
        }
        return false;
    }

    /// <summary>struct jailhouse_pci_capability <paramref name="index"/>: id, start, length, flags (u16 each).</summary>
    public ushort* PciCapabilityAt(uint index) => (ushort*)(PciDeviceAt(PciDeviceCount) + index * BinaryLayout.PciCapabilitySize);

    /// <summary>Bytes of the descriptor and its arrays (64-bit sum of 32-bit counts: no wrap).</summary>
    public ulong ConfigSize =>
        BinaryLayout.CellDescSize + (ulong)CpuSetSize
        + (ulong)MemoryRegionCount * BinaryLayout.MemoryRegionSize
        + (ulong)CacheRegionCount * BinaryLayout.CacheRegionSize
        + (ulong)IrqchipCount * BinaryLayout.IrqchipSize
        + (ulong)PioRegionCount * BinaryLayout.PioRangeSize
        + (ulong)PciDeviceCount * BinaryLayout.PciDeviceSize
        + (ulong)PciCapabilityCount * BinaryLayout.PciCapabilitySize
        + (ulong)StreamIdCount * BinaryLayout.StreamIdSize;

    public bool HasCpu(uint cpu) => cpu / 8 < CpuSetSize && (CpuSet[cpu / 8] & (1 << (int)(cpu % 8))) != 0;

    /// <summary>Number of CPUs in the set.</summary>
    public uint CpuCount
    {
        get
        {
            uint count = 0;
            for (uint i = 0; i < CpuSetSize; i++)
                for (byte bits = CpuSet[i]; bits != 0; bits &= (byte)(bits - 1))
                    count++;
            return count;
        }
    }
}
