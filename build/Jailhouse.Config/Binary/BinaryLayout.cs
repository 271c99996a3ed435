namespace Jailhouse.Config.Binary;

/// <summary>
/// Sizes and offsets of the packed little-endian structures of configuration revision 14
/// (include/jailhouse/cell-config.h, console.h): the one definition of the format. The reader and
/// writer here use it, the hypervisor compiles this file into its image (SystemConfig reads the
/// configuration with it), and DriverLayoutTests compiles kmod's C structures with gcc and compares
/// their offsetof/sizeof with these values.
/// </summary>
internal static class BinaryLayout
{
    public const ushort Revision = 14;
    public const string SystemSignature = "JHSYS";
    public const string CellSignature = "JHCLL";

    // Common prefix of struct jailhouse_system and struct jailhouse_cell_desc.
    public const int SignatureLength = 5;
    public const int ArchitectureOffset = 5;
    public const int RevisionOffset = 6;
    public const int PrefixSize = 8;

    // struct jailhouse_console.
    public const int ConsoleAddress = 0;
    public const int ConsoleSizeField = 8;
    public const int ConsoleTypeField = 12;
    public const int ConsoleFlagsField = 14;
    public const int ConsoleDivider = 16;
    public const int ConsoleGateNr = 20;
    public const int ConsoleClockReg = 24;
    public const int ConsoleSize = 32;

    // struct jailhouse_memory.
    public const int MemoryPhysStart = 0;
    public const int MemoryVirtStart = 8;
    public const int MemorySizeField = 16;
    public const int MemoryFlagsField = 24;
    public const int MemoryRegionSize = 32;

    // struct jailhouse_irqchip.
    public const int IrqchipAddress = 0;
    public const int IrqchipId = 8;
    public const int IrqchipPinBase = 12;
    public const int IrqchipPinBitmap = 16;
    public const int IrqchipPinBitmapWords = 4;

    public const int CacheRegionSize = 12;
    public const int IrqchipSize = 32;
    public const int PioRangeSize = 4;
    public const int PciDeviceSize = 56;
    public const int PciCapabilitySize = 8;
    public const int StreamIdSize = 4;
    public const int IommuUnitSize = 28;
    public const int MaxIommuUnits = 8;

    // struct jailhouse_system (without root_cell).
    public const int SysFlags = 8;
    public const int SysHypervisorMemory = 12;
    public const int SysDebugConsole = 44;
    public const int SysPciMmconfigBase = 76;
    public const int SysPciMmconfigEndBus = 84;
    public const int SysPciIsVirtual = 85;
    public const int SysPciDomain = 86;
    public const int SysIommuUnits = 88;
    public const int SysPlatformUnion = 312;
    public const int PlatformUnionSize = 44;
    public const int SystemHeaderSize = 356;

    // The platform union at SysPlatformUnion: its x86 member.
    public const int X86PmTimerAddress = 0;
    public const int X86ApicMode = 2;
    public const int X86VtdInterruptLimit = 4;
    public const int X86TscKhz = 8;
    public const int X86ApicKhz = 12;
    public const int X86PlatformSize = 16;
    // Its ARM member.
    public const int ArmMaintenanceIrq = 0;
    public const int ArmGicVersion = 1;
    public const int ArmGicdBase = 4;
    public const int ArmGiccBase = 12;
    public const int ArmGichBase = 20;
    public const int ArmGicvBase = 28;
    public const int ArmGicrBase = 36;

    // struct jailhouse_cell_desc.
    public const int CellName = 8;
    public const int CellNameSize = 32;
    public const int CellId = 40;
    public const int CellFlagsField = 44;
    public const int CellCpuSetSize = 48;
    public const int CellNumMemoryRegions = 52;
    public const int CellNumCacheRegions = 56;
    public const int CellNumIrqchips = 60;
    public const int CellNumPioRegions = 64;
    public const int CellNumPciDevices = 68;
    public const int CellNumPciCaps = 72;
    public const int CellNumStreamIds = 76;
    public const int CellVpciIrqBase = 80;
    public const int CellCpuResetAddress = 84;
    public const int CellMsgReplyTimeout = 92;
    public const int CellConsole = 100;
    public const int CellDescSize = 132;

    // struct jailhouse_pci_device.
    public const int PciType = 0;
    public const int PciIommu = 1;
    public const int PciDomain = 2;
    public const int PciBdf = 4;
    public const int PciBarMask = 6;
    public const int PciCapsStart = 30;
    public const int PciNumCaps = 32;
    public const int PciNumMsiVectors = 34;
    public const int PciMsiBits = 35;
    public const int PciNumMsixVectors = 36;
    public const int PciMsixRegionSize = 38;
    public const int PciMsixAddress = 40;
    public const int PciShmemRegionsStart = 48;
    public const int PciShmemDevId = 52;
    public const int PciShmemPeers = 53;
    public const int PciShmemProtocol = 54;
    public const byte PciMsi64Bits = 0x1;
    public const byte PciMsiMaskable = 0x2;
}
