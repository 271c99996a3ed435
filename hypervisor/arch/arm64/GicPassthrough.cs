namespace Jailhouse.Hypervisor;

/// <summary>
/// The part of the GIC the root cell -- the only cell there is -- still reaches directly: stage 2
/// maps the GICv2 CPU interface (8 KiB) as device memory. Neither distributor nor GICv3
/// redistributors are mapped: their accesses trap to <see cref="GicDistributor"/> and
/// <see cref="Redistributor"/>. The system configuration's platform section gives the bases.
/// </summary>
internal static unsafe class GicPassthrough
{
    public const ulong Gicv3DistributorSize = 0x10000;
    public const ulong Gicv3RedistributorSize = 0x20000;
    public const ulong Gicv2DistributorSize = 0x1000;
    public const ulong Gicv2CpuInterfaceSize = 0x2000;

    public static int Map(in SystemConfig config, uint maxCpus, ulong* root, ref PagePool pool, in PagingFormat format)
    {
        ulong flags = Arm64Stage2.RegionFlags(MemoryRegion.Read | MemoryRegion.Write | MemoryRegion.Io);
        if (config.ArmGicVersion == 3)
            return 0;
        if (config.ArmGicVersion == 2)
        {
            ulong cpuInterface = config.ArmGiccBase;
            return PageTable.Map(root, ref pool, format, cpuInterface, cpuInterface, Gicv2CpuInterfaceSize, flags);
        }
        return Errno.EINVAL;
    }
}
