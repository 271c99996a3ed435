namespace Jailhouse.Hypervisor;

/// <summary>
/// The part of the GIC a cell (the root cell, and every non-root cell) reaches directly: stage 2 maps
/// the GICv2 virtual CPU interface (GICV, 8 KiB) where the cell's GICC is, as device memory (the
/// physical GICC itself when the configuration names no GICH/GICV). Neither distributor nor GICv3
/// redistributors are mapped: their accesses trap to <see cref="GicDistributor"/> and
/// <see cref="Redistributor"/>. The system configuration's platform section gives the bases.
/// </summary>
internal static unsafe class GicPassthrough
{
    public const ulong Gicv3DistributorSize = 0x10000;
    public const ulong Gicv3RedistributorSize = 0x20000;
    public const ulong Gicv2DistributorSize = 0x1000;
    public const ulong Gicv2CpuInterfaceSize = 0x2000;

    /// <summary>Whether the cell's GICC is the virtual CPU interface (GICV) on this system: GICv2
    /// with the configuration's GICH and GICV (<see cref="GicV2"/>); without them the physical
    /// GICC is passed through and interrupts go straight to the root cell.</summary>
    public static bool Gicv2Virtual(in SystemConfig config) =>
        config.ArmGicVersion == 2 && config.ArmGichBase != 0 && config.ArmGicvBase != 0;

    public static int Map(in SystemConfig config, ulong* root, ref PagePool pool, in PagingFormat format)
    {
        ulong flags = Arm64Stage2.RegionFlags(MemoryRegion.Read | MemoryRegion.Write | MemoryRegion.Io);
        if (config.ArmGicVersion == 3)
            return 0;
        if (config.ArmGicVersion == 2)
        {
            // With GICH and GICV configured the cell's GICC is the virtual CPU interface (GicV2).
            ulong cpuInterface = config.ArmGiccBase;
            ulong backing = Gicv2Virtual(config) ? config.ArmGicvBase : cpuInterface;
            return PageTable.Map(root, ref pool, format, cpuInterface, backing, Gicv2CpuInterfaceSize, flags);
        }
        return Errno.EINVAL;
    }
}
