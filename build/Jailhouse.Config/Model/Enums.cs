namespace Jailhouse.Config.Model;

// Numeric values are those of Jailhouse's include/jailhouse/cell-config.h and
// console.h, configuration format revision 14.

public enum Architecture : byte
{
    X86 = 0,
    Arm = 1,
    Arm64 = 2,
}

[Flags]
public enum SystemFlags : uint
{
    None = 0,
    VirtualDebugConsole = 0x1,
}

[Flags]
public enum CellFlags : uint
{
    None = 0,
    PassiveCommRegion = 0x1,
    TestDevice = 0x2,
    AArch32 = 0x4,
    VirtualConsolePermitted = 0x4000_0000,
    VirtualConsoleActive = 0x8000_0000,
}

[Flags]
public enum MemoryFlags : ulong
{
    None = 0,
    Read = 0x0001,
    Write = 0x0002,
    Execute = 0x0004,
    Dma = 0x0008,
    Io = 0x0010,
    CommRegion = 0x0020,
    Loadable = 0x0040,
    RootShared = 0x0080,
    NoHugepages = 0x0100,
    IoUnaligned = 0x8000,
    Io8 = 1 << 16,
    Io16 = 2 << 16,
    Io32 = 4 << 16,
    Io64 = 8 << 16,
}

public enum CacheType : byte
{
    L3Code = 0x1,
    L3Data = 0x2,
    L3 = 0x3,
}

[Flags]
public enum CacheFlags : ushort
{
    None = 0,
    RootShared = 0x1,
}

public enum ConsoleType : ushort
{
    None = 0x0,
    EfiFb = 0x1,
    Uart8250 = 0x2,
    Pl011 = 0x3,
    XuartPs = 0x4,
    Mvebu = 0x5,
    Hscif = 0x6,
    Scifa = 0x7,
    Imx = 0x8,
    ImxLpuart = 0x9,
    Scif = 0xa,
}

[Flags]
public enum ConsoleFlags : ushort
{
    None = 0,
    /// <summary>Bit 0 set: MMIO access; clear: port I/O.</summary>
    Mmio = 0x0001,
    /// <summary>Bit 1 set: registers 4 bytes apart (32-bit access); clear: 1 byte (8-bit).</summary>
    RegDist4 = 0x0002,
    Fb1920x1080 = 0x0004,
    InvertedGate = 0x1000,
    MdrQuirk = 0x2000,
}

public enum PciDeviceType : byte
{
    Device = 0x1,
    Bridge = 0x2,
    Ivshmem = 0x3,
}

[Flags]
public enum PciCapabilityFlags : ushort
{
    None = 0,
    Write = 0x1,
}

public enum IommuType : uint
{
    None = 0,
    Amd = 1,
    Intel = 2,
    SmmuV3 = 3,
    TiPvu = 4,
    ArmMmu500 = 5,
}

public enum ApicMode : byte
{
    Auto = 0,
    XApic = 1,
    X2Apic = 2,
}
