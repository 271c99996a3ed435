using Jailhouse.Config.Binary;

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
    // The layout is build/Jailhouse.Config/Binary/BinaryLayout.cs, compiled into this image too.
    public const ushort Revision = BinaryLayout.Revision;
    public const int SystemHeaderSize = BinaryLayout.SystemHeaderSize;
    public const int CellDescSize = BinaryLayout.CellDescSize;
    public const int CellNameSize = BinaryLayout.CellNameSize;
    public const int HypervisorMemoryField = BinaryLayout.SysHypervisorMemory;
    public const int DebugConsoleField = BinaryLayout.SysDebugConsole;
    public const int PlatformField = BinaryLayout.SysPlatformUnion;

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
        if (data[BinaryLayout.ArchitectureOffset] != architecture || *(ushort*)(data + BinaryLayout.RevisionOffset) != Revision)
            return Errno.EINVAL;
        if (Size > length)
            return Errno.EINVAL;
        if (!AddressesFit())
            return Errno.EINVAL;
        byte* name = RootCell + BinaryLayout.CellName;
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
        if (data[BinaryLayout.ArchitectureOffset] != ArchX86)
        {
            ulong gicd = ArmGicdBase;
            ulong gicdSize = ArmGicVersion == 2 ? 0x1000UL : 0x10000UL;
            if (gicd != 0 && (!RangeFits(gicd, gicdSize, PhysicalLimit) || (gicd < hvStart + hvSize && hvStart < gicd + gicdSize)))
                return false;
        }
        return true;
    }

    public uint Flags => *(uint*)(data + BinaryLayout.SysFlags);
    public ulong HypervisorPhys => *(ulong*)(data + HypervisorMemoryField + BinaryLayout.MemoryPhysStart);
    public ulong HypervisorSize => *(ulong*)(data + HypervisorMemoryField + BinaryLayout.MemorySizeField);
    public ulong DebugConsoleAddress => *(ulong*)(data + DebugConsoleField + BinaryLayout.ConsoleAddress);
    public uint DebugConsoleSize => *(uint*)(data + DebugConsoleField + BinaryLayout.ConsoleSizeField);
    public ushort DebugConsoleType => *(ushort*)(data + DebugConsoleField + BinaryLayout.ConsoleTypeField);
    public ushort DebugConsoleFlags => *(ushort*)(data + DebugConsoleField + BinaryLayout.ConsoleFlagsField);

    /// <summary>ARM platform information: GIC generation and register bases.</summary>
    public byte ArmGicVersion => data[PlatformField + BinaryLayout.ArmGicVersion];
    public ulong ArmGicdBase => *(ulong*)(data + PlatformField + BinaryLayout.ArmGicdBase);
    public ulong ArmGiccBase => *(ulong*)(data + PlatformField + BinaryLayout.ArmGiccBase);
    public ulong ArmGicrBase => *(ulong*)(data + PlatformField + BinaryLayout.ArmGicrBase);
    public ulong ArmGichBase => *(ulong*)(data + PlatformField + BinaryLayout.ArmGichBase);
    public ulong ArmGicvBase => *(ulong*)(data + PlatformField + BinaryLayout.ArmGicvBase);

    /// <summary>Base of the PCI memory-mapped configuration space (ECAM), 0 when there is none.</summary>
    public ulong PciMmconfigBase => *(ulong*)(data + BinaryLayout.SysPciMmconfigBase);

    /// <summary>The last bus the MMCONFIG window covers (1 MiB per bus).</summary>
    public byte PciMmconfigEndBus => data[BinaryLayout.SysPciMmconfigEndBus];

    /// <summary>x86 platform information: PM timer I/O port, calibrated TSC and APIC timer kHz.</summary>
    public ushort X86PmTimerAddress => *(ushort*)(data + PlatformField + BinaryLayout.X86PmTimerAddress);
    public uint X86TscKhz => *(uint*)(data + PlatformField + BinaryLayout.X86TscKhz);
    public uint X86ApicKhz => *(uint*)(data + PlatformField + BinaryLayout.X86ApicKhz);

    private byte* RootCell => data + SystemHeaderSize;

    /// <summary>The root cell's descriptor and arrays (<see cref="CellDesc"/> knows their layout).</summary>
    public CellDesc RootDesc => new(RootCell);

    /// <summary>The root cell's NUL-terminated name (at most 31 bytes).</summary>
    public byte* RootCellName => RootDesc.Name;
    public uint RootCellFlags => RootDesc.Flags;
    public uint RootCellVpciIrqBase => RootDesc.VpciIrqBase;
    /// <summary>The root cell's struct jailhouse_console (32 bytes).</summary>
    public byte* RootCellConsole => RootDesc.Console;
    public uint CpuSetSize => RootDesc.CpuSetSize;
    public byte* CpuSet => RootDesc.CpuSet;
    public uint MemoryRegionCount => RootDesc.MemoryRegionCount;

    public MemoryRegion MemoryRegion(uint index) => RootDesc.MemoryRegion(index);

    public uint IrqchipCount => RootDesc.IrqchipCount;
    public ulong IrqchipAddress(uint index) => RootDesc.IrqchipAddress(index);
    public uint IrqchipPinBase(uint index) => RootDesc.IrqchipPinBase(index);
    public uint* IrqchipPinBitmap(uint index) => RootDesc.IrqchipPinBitmap(index);

    public uint PioRegionCount => RootDesc.PioRegionCount;
    public uint PciDeviceCount => RootDesc.PciDeviceCount;
    public uint PciCapabilityCount => RootDesc.PciCapabilityCount;
    public ushort PioBase(uint index) => RootDesc.PioBase(index);
    public ushort PioLength(uint index) => RootDesc.PioLength(index);
    public byte* PciDeviceAt(uint index) => RootDesc.PciDeviceAt(index);
    public ushort* PciCapabilityAt(uint index) => RootDesc.PciCapabilityAt(index);

    /// <summary>Bytes of the whole configuration: header, root cell and its arrays (64-bit sum, no wrap).</summary>
    public ulong Size => SystemHeaderSize + RootDesc.ConfigSize;

    /// <summary>Number of CPUs in the root cell's CPU set.</summary>
    public uint CpuCount => RootDesc.CpuCount;

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

    public bool HasCpu(uint cpu) => RootDesc.HasCpu(cpu);
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
    public const int Type = BinaryLayout.PciType;
    public const int Domain = BinaryLayout.PciDomain;
    public const int Bdf = BinaryLayout.PciBdf;
    public const int CapsStart = BinaryLayout.PciCapsStart;
    public const int NumCaps = BinaryLayout.PciNumCaps;
    /// <summary>JAILHOUSE_PCICAPS_WRITE: the cell may write the capability's registers.</summary>
    public const ushort CapabilityWrite = 0x0001;
    /// <summary>JAILHOUSE_PCI_EXT_CAP: an extended (PCIe, offset >= 0x100) capability.</summary>
    public const ushort ExtendedCapability = 0x8000;
}
