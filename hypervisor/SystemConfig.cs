namespace Jailhouse.Hypervisor;

/// <summary>
/// A read-only view of a binary system configuration (struct jailhouse_system, revision 14) as
/// the driver copied it into hypervisor memory: the fields the hypervisor uses, read in place
/// (little endian, packed, so reads may be unaligned). <see cref="Check"/> validates the
/// signature, revision and that every array lies inside <c>length</c> bytes before anything
/// else is read.
/// </summary>
internal readonly unsafe struct SystemConfig
{
    public const ushort Revision = 14;
    public const int SystemHeaderSize = 356;
    public const int CellDescSize = 132;
    public const int MemoryRegionSize = 32;
    public const int CacheRegionSize = 12;
    public const int IrqchipSize = 32;
    public const int PioRangeSize = 4;
    public const int PciDeviceSize = 56;
    public const int PciCapabilitySize = 8;
    public const int StreamIdSize = 4;

    // struct jailhouse_system
    private const int ArchitectureField = 5;
    private const int RevisionField = 6;
    private const int FlagsField = 8;
    public const int HypervisorMemoryField = 12;
    public const int DebugConsoleField = 44;
    private const int PciMmconfigBaseField = 76;
    public const int PlatformField = 312;
    // struct jailhouse_cell_desc, relative to the root cell
    private const int CellNameField = 8;
    private const int CellFlagsField = 44;
    public const int CellNameSize = 32;
    private const int CpuSetSizeField = 48;
    private const int NumMemoryRegionsField = 52;
    private const int NumCacheRegionsField = 56;
    private const int NumIrqchipsField = 60;
    private const int NumPioRegionsField = 64;
    private const int NumPciDevicesField = 68;
    private const int NumPciCapsField = 72;
    private const int NumStreamIdsField = 76;
    private const int VpciIrqBaseField = 80;
    private const int CellConsoleField = 100;

    public const byte ArchX86 = 0;
    public const byte ArchArm = 1;
    public const byte ArchArm64 = 2;

    private readonly byte* data;

    public SystemConfig(byte* data) => this.data = data;

    public byte* Address => data;

    /// <summary>0 when the configuration is a well-formed system configuration of revision 14 for
    /// <paramref name="architecture"/> whose arrays end within <paramref name="length"/> bytes;
    /// otherwise -EINVAL (-22).</summary>
    public int Check(byte architecture, ulong length)
    {
        if (length < SystemHeaderSize + CellDescSize)
            return Errno.EINVAL;
        if (data[0] != 'J' || data[1] != 'H' || data[2] != 'S' || data[3] != 'Y' || data[4] != 'S')
            return Errno.EINVAL;
        if (data[ArchitectureField] != architecture || *(ushort*)(data + RevisionField) != Revision)
            return Errno.EINVAL;
        if (Size > length)
            return Errno.EINVAL;
        if (!AddressesFit())
            return Errno.EINVAL;
        byte* name = RootCell + CellNameField;
        for (int i = 0; i < CellNameSize; i++)
            if (name[i] == 0)
                return 0;
        return Errno.EINVAL;
    }

    /// <summary>Physical addresses a page-table descriptor can hold (bits 47:12).</summary>
    public const ulong PhysicalLimit = 1UL << 48;

    /// <summary>[start, start + size) ends at or below <paramref name="limit"/> without wrapping.</summary>
    public static bool RangeFits(ulong start, ulong size, ulong limit) => size <= limit && start <= limit - size;

    /// <summary>
    /// The address arithmetic done on the configuration stays in range: hypervisor memory and
    /// every region end below 2^48 physically (a higher address would spill into a descriptor's
    /// attribute bits) and below 2^64 in the guest; no sub-page region and, on ARM, no GIC
    /// distributor (both reached through the hypervisor's own accesses) lies in hypervisor memory.
    /// </summary>
    private bool AddressesFit()
    {
        ulong hvStart = HypervisorPhys, hvSize = HypervisorSize;
        if (hvSize == 0 || !RangeFits(hvStart, hvSize, PhysicalLimit))
            return false;
        for (uint i = 0; i < MemoryRegionCount; i++)
        {
            var region = MemoryRegion(i);
            if (region.Size == 0)
                continue;
            bool commRegion = (region.Flags & Hypervisor.MemoryRegion.CommRegion) != 0;
            if (!commRegion && !RangeFits(region.Phys, region.Size, PhysicalLimit))
                return false;
            if (!RangeFits(region.Virt, region.Size, ~0UL))
                return false;
            if (!commRegion && region.Phys < hvStart + hvSize && hvStart < region.Phys + region.Size)
                return false;
        }
        if (data[ArchitectureField] != ArchX86)
        {
            ulong gicd = ArmGicdBase;
            ulong gicdSize = ArmGicVersion == 2 ? 0x1000UL : 0x10000UL;
            if (gicd != 0 && (!RangeFits(gicd, gicdSize, PhysicalLimit) || (gicd < hvStart + hvSize && hvStart < gicd + gicdSize)))
                return false;
        }
        return true;
    }

    public uint Flags => *(uint*)(data + FlagsField);
    public ulong HypervisorPhys => *(ulong*)(data + HypervisorMemoryField);
    public ulong HypervisorSize => *(ulong*)(data + HypervisorMemoryField + 16);
    public ulong DebugConsoleAddress => *(ulong*)(data + DebugConsoleField);
    public uint DebugConsoleSize => *(uint*)(data + DebugConsoleField + 8);
    public ushort DebugConsoleType => *(ushort*)(data + DebugConsoleField + 12);
    public ushort DebugConsoleFlags => *(ushort*)(data + DebugConsoleField + 14);

    /// <summary>ARM platform information: GIC generation and register bases.</summary>
    public byte ArmGicVersion => data[PlatformField + 1];
    public ulong ArmGicdBase => *(ulong*)(data + PlatformField + 4);
    public ulong ArmGiccBase => *(ulong*)(data + PlatformField + 12);
    public ulong ArmGicrBase => *(ulong*)(data + PlatformField + 36);

    /// <summary>Base of the PCI memory-mapped configuration space (ECAM), 0 when there is none.</summary>
    public ulong PciMmconfigBase => *(ulong*)(data + PciMmconfigBaseField);

    /// <summary>x86 platform information: PM timer I/O port, calibrated TSC and APIC timer kHz.</summary>
    public ushort X86PmTimerAddress => *(ushort*)(data + PlatformField);
    public uint X86TscKhz => *(uint*)(data + PlatformField + 8);
    public uint X86ApicKhz => *(uint*)(data + PlatformField + 12);

    private byte* RootCell => data + SystemHeaderSize;
    private uint Field(int offset) => *(uint*)(RootCell + offset);

    /// <summary>The root cell's NUL-terminated name (at most 31 bytes).</summary>
    public byte* RootCellName => RootCell + CellNameField;
    public uint RootCellFlags => Field(CellFlagsField);
    public uint RootCellVpciIrqBase => Field(VpciIrqBaseField);
    /// <summary>The root cell's struct jailhouse_console (32 bytes).</summary>
    public byte* RootCellConsole => RootCell + CellConsoleField;
    public uint CpuSetSize => Field(CpuSetSizeField);
    public byte* CpuSet => RootCell + CellDescSize;
    public uint MemoryRegionCount => Field(NumMemoryRegionsField);

    public MemoryRegion MemoryRegion(uint index)
    {
        byte* region = CpuSet + CpuSetSize + index * MemoryRegionSize;
        return new MemoryRegion(*(ulong*)region, *(ulong*)(region + 8), *(ulong*)(region + 16), *(ulong*)(region + 24));
    }

    public uint IrqchipCount => Field(NumIrqchipsField);

    private byte* Irqchip(uint index) =>
        CpuSet + CpuSetSize + MemoryRegionCount * MemoryRegionSize + Field(NumCacheRegionsField) * CacheRegionSize + index * IrqchipSize;

    /// <summary>struct jailhouse_irqchip: the chip's base address, the first INTID of its pin bitmap,
    /// and the bitmap (4 x 32 bits, bit n = INTID pin_base + n belongs to the cell).</summary>
    public ulong IrqchipAddress(uint index) => *(ulong*)Irqchip(index);
    public uint IrqchipPinBase(uint index) => *(uint*)(Irqchip(index) + 12);
    public uint* IrqchipPinBitmap(uint index) => (uint*)(Irqchip(index) + 16);

    public uint PioRegionCount => Field(NumPioRegionsField);
    public uint PciDeviceCount => Field(NumPciDevicesField);
    public uint PciCapabilityCount => Field(NumPciCapsField);

    private byte* PioRegions => Irqchip(0) + IrqchipCount * IrqchipSize;

    /// <summary>struct jailhouse_pio: first port and length of the cell's port range <paramref name="index"/>.</summary>
    public ushort PioBase(uint index) => *(ushort*)(PioRegions + index * PioRangeSize);
    public ushort PioLength(uint index) => *(ushort*)(PioRegions + index * PioRangeSize + 2);

    /// <summary>struct jailhouse_pci_device <paramref name="index"/> (56 bytes, see <see cref="PciDevice"/>).</summary>
    public byte* PciDeviceAt(uint index) => PioRegions + PioRegionCount * PioRangeSize + index * PciDeviceSize;

    /// <summary>struct jailhouse_pci_capability <paramref name="index"/>: id, start, length, flags (u16 each).</summary>
    public ushort* PciCapabilityAt(uint index) => (ushort*)(PciDeviceAt(PciDeviceCount) + index * PciCapabilitySize);

    /// <summary>Bytes of the whole configuration: header, root cell and its arrays (64-bit sum, no wrap).</summary>
    public ulong Size =>
        SystemHeaderSize + CellDescSize + (ulong)CpuSetSize
        + (ulong)MemoryRegionCount * MemoryRegionSize
        + (ulong)Field(NumCacheRegionsField) * CacheRegionSize
        + (ulong)Field(NumIrqchipsField) * IrqchipSize
        + (ulong)Field(NumPioRegionsField) * PioRangeSize
        + (ulong)Field(NumPciDevicesField) * PciDeviceSize
        + (ulong)Field(NumPciCapsField) * PciCapabilitySize
        + (ulong)Field(NumStreamIdsField) * StreamIdSize;

    /// <summary>Number of CPUs in the root cell's CPU set.</summary>
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

    /// <summary>Highest CPU ID in the set + 1 (what the driver writes to max_cpus).</summary>
    public uint MaxCpuId
    {
        get
        {
            for (uint i = CpuSetSize; i > 0; i--)
            {
                byte bits = CpuSet[i - 1];
                for (int bit = 7; bit >= 0; bit--)
                    if ((bits & (1 << bit)) != 0)
                        return (i - 1) * 8 + (uint)bit + 1;
            }
            return 0;
        }
    }

    public bool HasCpu(uint cpu) => cpu / 8 < CpuSetSize && (CpuSet[cpu / 8] & (1 << (int)(cpu % 8))) != 0;
}

/// <summary>struct jailhouse_memory: one region of a cell (guest-physical = virt).</summary>
internal readonly struct MemoryRegion
{
    public const ulong Read = 0x0001;
    public const ulong Write = 0x0002;
    public const ulong Execute = 0x0004;
    public const ulong Dma = 0x0008;
    public const ulong Io = 0x0010;
    public const ulong CommRegion = 0x0020;
    public const ulong Loadable = 0x0040;
    public const ulong RootShared = 0x0080;

    public readonly ulong Phys;
    public readonly ulong Virt;
    public readonly ulong Size;
    public readonly ulong Flags;

    public MemoryRegion(ulong phys, ulong virt, ulong size, ulong flags)
    {
        Phys = phys;
        Virt = virt;
        Size = size;
        Flags = flags;
    }
}

/// <summary>Offsets in struct jailhouse_pci_device and the capability flags the hypervisor reads.</summary>
internal static class PciDevice
{
    public const int Type = 0;
    public const int Domain = 2;
    public const int Bdf = 4;
    public const int CapsStart = 30;
    public const int NumCaps = 32;
    /// <summary>JAILHOUSE_PCICAPS_WRITE: the cell may write the capability's registers.</summary>
    public const ushort CapabilityWrite = 0x0001;
    /// <summary>JAILHOUSE_PCI_EXT_CAP: an extended (PCIe, offset >= 0x100) capability.</summary>
    public const ushort ExtendedCapability = 0x8000;
}
