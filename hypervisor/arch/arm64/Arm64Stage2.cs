namespace Jailhouse.Hypervisor;

/// <summary>
/// ARMv8 stage-2 translation with a 4 KiB granule and a 39-bit guest-physical (IPA) space
/// whose walk starts at level 1 (one root page): descriptor encoding, the cell memory flags'
/// translation and the VTCR_EL2/VTTBR_EL2/HCR_EL2 values that switch it on.
/// </summary>
internal static unsafe class Arm64Stage2
{
    public const int IpaBits = 39;

    private const ulong Valid = 1UL << 0;
    private const ulong PageOrTable = 1UL << 1;
    private const ulong MemAttrNormalWriteBack = 0xfUL << 2;
    private const ulong MemAttrDeviceNGnRE = 0x1UL << 2;
    public const ulong AccessRead = 1UL << 6;
    public const ulong AccessWrite = 1UL << 7;
    private const ulong InnerShareable = 3UL << 8;
    private const ulong AccessFlag = 1UL << 10;
    public const ulong ExecuteNever = 1UL << 54;

    public const ulong HcrVm = 1UL << 0;
    public const ulong HcrRw = 1UL << 31;
    /// <summary>Trap SMC to EL2 (the cell's firmware calls go through <see cref="SmcCalls"/>).</summary>
    public const ulong HcrTsc = 1UL << 19;
    /// <summary>Trap ACTLR_EL1 accesses (IMPLEMENTATION DEFINED controls a cell must not change), as upstream.</summary>
    public const ulong HcrTac = 1UL << 21;
    /// <summary>Trap data cache maintenance by set/way (<see cref="Traps"/> performs it as clean and invalidate), as upstream.</summary>
    public const ulong HcrTsw = 1UL << 22;

    public static PagingFormat Format => new PagingFormat
    {
        RootLevel = 1,
        FirstBlockLevel = 1,
        Table = &Table,
        Leaf = &Leaf,
        IsPresent = &IsPresent,
        IsTable = &IsTable,
        LeafFlags = &LeafFlags,
    };

    public static ulong Table(ulong phys) => phys | Valid | PageOrTable;
    public static ulong Leaf(ulong phys, ulong flags, int level) => phys | flags | Valid | (level == 3 ? PageOrTable : 0);
    public static bool IsPresent(ulong entry) => (entry & Valid) != 0;
    /// <summary>A leaf maps normal write-back memory (MemAttr 0b1111), not device memory.</summary>
    public static bool MapsRam(ulong entry) => (entry & (0xfUL << 2)) == MemAttrNormalWriteBack;
    public static ulong LeafFlags(ulong entry) => entry & ~PagingFormat.AddressMask & ~(Valid | PageOrTable);
    public static bool IsTable(ulong entry, int level) => level < 3 && (entry & PageOrTable) != 0;

    /// <summary>Leaf flags for a cell memory region: read/write permission, executable or
    /// not, device memory for I/O regions and normal write-back memory otherwise.</summary>
    public static ulong RegionFlags(ulong regionFlags)
    {
        ulong flags = AccessFlag | InnerShareable;
        flags |= (regionFlags & MemoryRegion.Io) != 0 ? MemAttrDeviceNGnRE : MemAttrNormalWriteBack;
        if ((regionFlags & MemoryRegion.Read) != 0)
            flags |= AccessRead;
        if ((regionFlags & MemoryRegion.Write) != 0)
            flags |= AccessWrite;
        if ((regionFlags & MemoryRegion.Execute) == 0)
            flags |= ExecuteNever;
        return flags;
    }

    /// <summary>VTCR_EL2: T0SZ for 39 bits, walk from level 1, write-back inner-shareable table
    /// walks, 4 KiB granule, output size = the CPU's physical range (ID_AA64MMFR0_EL1.PARange,
    /// at most 48 bits).</summary>
    public static ulong Vtcr(ulong idAa64Mmfr0)
    {
        ulong physicalRange = idAa64Mmfr0 & 0xf;
        if (physicalRange > 5)
            physicalRange = 5;
        const ulong res1 = 1UL << 31;
        const ulong startLevel1 = 1UL << 6;
        const ulong innerWriteBack = 1UL << 8;
        const ulong outerWriteBack = 1UL << 10;
        const ulong innerShareable = 3UL << 12;
        return res1 | (physicalRange << 16) | innerShareable | outerWriteBack | innerWriteBack | startLevel1 | (64 - IpaBits);
    }

    public static ulong Vttbr(ulong rootPhys, ushort vmid) => rootPhys | ((ulong)vmid << 48);

    /// <summary>A non-root cell's VTTBR_EL2: its tables and its ID as VMID (the root cell has 0;
    /// 8-bit VMIDs, so at most 255 cells, far more than the cell table holds).</summary>
    public static ulong CellVttbr(ulong rootPhys, uint cellId) => Vttbr(rootPhys, (ushort)(cellId & 0xff));
}
