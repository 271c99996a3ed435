using Jailhouse.Config.Binary;

namespace Jailhouse.Hypervisor;

/// <summary>
/// The checks of a non-root cell's configuration at cell create, after it was copied into
/// hypervisor memory (so nothing changes under them). Every value is the root cell's word and
/// distrusted. Each failed check gives the errno the driver reports and a reason for the console.
/// </summary>
internal static unsafe class CellConfigCheck
{
    /// <summary>Memory flags a region may carry (JAILHOUSE_MEM_*); anything else is refused.</summary>
    public const ulong ValidMemoryFlags = MemoryRegion.Read | MemoryRegion.Write | MemoryRegion.Execute | MemoryRegion.Dma
        | MemoryRegion.Io | MemoryRegion.CommRegion | MemoryRegion.Loadable | MemoryRegion.RootShared | NoHugepages
        | MmioSubpage.IoUnaligned | MmioSubpage.Io8 | MmioSubpage.Io16 | MmioSubpage.Io32 | MmioSubpage.Io64;
    public const ulong NoHugepages = 0x0100;

    /// <summary>JAILHOUSE_CELL_PASSIVE_COMMREG: the cell does not answer messages.</summary>
    public const uint CellPassiveCommRegion = 0x1;

    private const byte PciTypeIvshmem = 3;

    /// <summary>Memory the cell has for itself: leaves the root cell at create, comes back at destroy.</summary>
    public static bool IsCellPrivate(in MemoryRegion region) =>
        region.Size != 0 && (region.Flags & (MemoryRegion.CommRegion | MemoryRegion.RootShared)) == 0;

    /// <summary>The header of a copied configuration: signature "JHCLL", revision, architecture.</summary>
    public static bool HeaderValid(byte* config, byte architecture)
    {
        string signature = BinaryLayout.CellSignature;
        for (int i = 0; i < BinaryLayout.SignatureLength; i++)
            if (config[i] != signature[i])
                return false;
        return config[BinaryLayout.ArchitectureOffset] == architecture
            && *(ushort*)(config + BinaryLayout.RevisionOffset) == BinaryLayout.Revision;
    }

    /// <summary>
    /// 0 when the cell may be created by CPU <paramref name="callerCpu"/> of the root cell,
    /// otherwise a negative errno and in <paramref name="reason"/> why.
    /// </summary>
    public static int Check(ref HypercallContext context, CellDesc cell, uint callerCpu, out string reason)
    {
        int result = CheckCpus(ref context, cell, callerCpu, out reason);
        if (result != 0)
            return result;
        result = CheckMemory(ref context, cell, out reason);
        if (result != 0)
            return result;
        result = CheckIrqchips(ref context, cell, out reason);
        if (result != 0)
            return result;
        return CheckPciDevices(ref context, cell, out reason);
    }

    /// <summary>CPUs: at least one; each the root cell's now, not CPU 0 and not the calling CPU,
    /// and waiting in the hypervisor (the driver took it offline) -- else -EBUSY as upstream.</summary>
    private static int CheckCpus(ref HypercallContext context, CellDesc cell, uint callerCpu, out string reason)
    {
        reason = "";
        if (cell.CpuSetSize > PagePool.PageSize || cell.CpuCount == 0)
        {
            reason = "no CPUs or a CPU set larger than a page";
            return Errno.EINVAL;
        }
        for (uint cpu = 0; cpu < cell.CpuSetSize * 8; cpu++)
        {
            if (!cell.HasCpu(cpu))
                continue;
            if (cpu >= context.MaxCpus || !context.Cells.RootHasCpu(context.Config, cpu))
            {
                reason = "a CPU that the root cell does not have";
                return Errno.EBUSY;
            }
            if (cpu == 0 || cpu == callerCpu)
            {
                reason = "CPU 0 or the calling CPU";
                return Errno.EBUSY;
            }
            if (Arch.LoadAcquire(ref context.Cpu(cpu)->PowerState) != PowerState.Off)
            {
                reason = "a CPU that is not offline in the root cell";
                return Errno.EBUSY;
            }
        }
        return 0;
    }

    private static int CheckMemory(ref HypercallContext context, CellDesc cell, out string reason)
    {
        reason = "";
        ulong hvStart = context.Config.HypervisorPhys, hvSize = context.Config.HypervisorSize;
        uint commRegions = 0;
        for (uint i = 0; i < cell.MemoryRegionCount; i++)
        {
            MemoryRegion region = cell.MemoryRegion(i);
            if ((region.Flags & ~ValidMemoryFlags) != 0)
            {
                reason = "a memory region with unknown flags";
                return Errno.EINVAL;
            }
            if (region.Size == 0)
                continue;
            bool comm = (region.Flags & MemoryRegion.CommRegion) != 0;
            if (comm && ++commRegions > 1)
            {
                reason = "more than one communication region";
                return Errno.EINVAL;
            }
            if (MmioSubpage.IsSubpage(region) && (comm || (region.Flags & MemoryRegion.Io) == 0))
            {
                // Only device registers can be emulated off page boundaries (MmioSubpage).
                reason = "a memory region off page boundaries that is not io";
                return Errno.EINVAL;
            }
            if (!SystemConfig.RangeFits(region.Virt, region.Size, ~0UL)
                || (!comm && !SystemConfig.RangeFits(region.Phys, region.Size, SystemConfig.PhysicalLimit)))
            {
                reason = "a memory region that wraps around or lies beyond 2^48";
                return Errno.EINVAL;
            }
            if (comm)
                continue;
            if (region.Phys < hvStart + hvSize && hvStart < region.Phys + region.Size)
            {
                reason = "a memory region in hypervisor memory";
                return Errno.EINVAL;
            }
            if (context.Architecture != SystemConfig.ArchX86 && OverlapsDistributor(context.Config, region))
            {
                // Every cell's distributor accesses go through the hypervisor (it holds the interrupt routing of all cells).
                reason = "a memory region on the GIC distributor";
                return Errno.EINVAL;
            }
            if (context.Architecture != SystemConfig.ArchX86 && OverlapsGicPrivate(context.Config, context.MaxCpus, region))
            {
                // The redistributors are emulated for every cell (each may touch only its own
                // CPUs' frames); GICH is the hypervisor's list registers.
                reason = "a memory region on the GIC redistributors or the GICv2 hypervisor interface";
                return Errno.EINVAL;
            }
            if (IsCellPrivate(region) && context.Cells.OverlapsCellMemory(region.Phys, region.Size))
            {
                reason = "memory of another non-root cell";
                return Errno.EBUSY;
            }
        }
        return 0;
    }

    private static bool OverlapsDistributor(in SystemConfig system, in MemoryRegion region)
    {
        ulong gicd = system.ArmGicdBase;
        ulong gicdSize = system.ArmGicVersion == 2 ? 0x1000UL : 0x10000UL;
        return gicd != 0 && region.Phys < gicd + gicdSize && gicd < region.Phys + region.Size;
    }

    /// <summary>GICv3: the redistributor frames of the possible CPUs (128 KiB each); GICv2: GICH.</summary>
    private static bool OverlapsGicPrivate(in SystemConfig system, uint maxCpus, in MemoryRegion region)
    {
        ulong start, size;
        if (system.ArmGicVersion == 3)
        {
            start = system.ArmGicrBase;
            size = (ulong)maxCpus * 0x20000;
        }
        else
        {
            start = system.ArmGichBase;
            size = 0x2000;
        }
        return start != 0 && size != 0 && region.Phys < start + size && start < region.Phys + region.Size;
    }

    /// <summary>Interrupt pins: on an irqchip of the system at a multiple of 32, and the root cell's now (-EBUSY otherwise).</summary>
    private static int CheckIrqchips(ref HypercallContext context, CellDesc cell, out string reason)
    {
        reason = "";
        for (uint chip = 0; chip < cell.IrqchipCount; chip++)
        {
            ulong address = cell.IrqchipAddress(chip);
            uint pinBase = cell.IrqchipPinBase(chip);
            if (pinBase % 32 != 0 || pinBase > 1024 - BinaryLayout.IrqchipPinBitmapWords * 32)
            {
                reason = "an irqchip pin base that is not a multiple of 32 below 1024";
                return Errno.EINVAL;
            }
            uint* bitmap = cell.IrqchipPinBitmap(chip);
            for (uint bit = 0; bit < BinaryLayout.IrqchipPinBitmapWords * 32; bit++)
            {
                if ((bitmap[bit / 32] & (1u << (int)(bit % 32))) == 0)
                    continue;
                if (!context.Cells.RootOwnsSpi(context.Config, address, pinBase + bit))
                {
                    reason = "an interrupt pin the root cell does not have";
                    return Errno.EBUSY;
                }
            }
        }
        return 0;
    }

    /// <summary>PCI devices: physical ones (not ivshmem, which each peer has its own of) must be the root cell's now.</summary>
    private static int CheckPciDevices(ref HypercallContext context, CellDesc cell, out string reason)
    {
        reason = "";
        for (uint i = 0; i < cell.PciDeviceCount; i++)
        {
            byte* device = cell.PciDeviceAt(i);
            if (device[PciDevice.Type] == PciTypeIvshmem)
                continue;
            ushort domain = *(ushort*)(device + PciDevice.Domain), bdf = *(ushort*)(device + PciDevice.Bdf);
            if (!context.Cells.RootOwnsPciDevice(context.Config, domain, bdf))
            {
                reason = "a PCI device the root cell does not have";
                return Errno.EBUSY;
            }
        }
        return 0;
    }
}
