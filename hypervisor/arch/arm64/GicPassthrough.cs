namespace Jailhouse.Hypervisor;

/// <summary>
/// Until the GIC is virtualized (upstream traps the distributor and redistributors and lets a
/// cell touch only its own interrupts), the root cell -- the only cell there is -- reaches the
/// interrupt controller directly: stage 2 maps the GICv3 distributor (64 KiB) and one
/// redistributor (128 KiB) per possible CPU, or the GICv2 distributor (4 KiB) and CPU interface
/// (8 KiB), as device memory. The system configuration's platform section gives the bases.
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
        ulong distributor = config.ArmGicdBase;
        if (config.ArmGicVersion == 3)
        {
            int result = PageTable.Map(root, ref pool, format, distributor, distributor, Gicv3DistributorSize, flags);
            if (result != 0)
                return result;
            ulong redistributors = config.ArmGicrBase;
            return PageTable.Map(root, ref pool, format, redistributors, redistributors, maxCpus * Gicv3RedistributorSize, flags);
        }
        if (config.ArmGicVersion == 2)
        {
            int result = PageTable.Map(root, ref pool, format, distributor, distributor, Gicv2DistributorSize, flags);
            if (result != 0)
                return result;
            ulong cpuInterface = config.ArmGiccBase;
            return PageTable.Map(root, ref pool, format, cpuInterface, cpuInterface, Gicv2CpuInterfaceSize, flags);
        }
        return Errno.EINVAL;
    }
}
