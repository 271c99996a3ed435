namespace Jailhouse.Hypervisor;

/// <summary>
/// arm64 glue for <see cref="GicDistributor"/>: maps the real distributor into the EL2 device
/// window, fills the root cell's state (interrupts from the irqchips entry at the distributor's
/// address, CPUs, their affinities), registers the distributor range as an MMIO region, and
/// serializes writes (their read-modify-write must not interleave between CPUs).
/// </summary>
internal static unsafe class GicDistributorTrap
{
    private static SpinLock writeLock;
    private static GicDistributorState* state;

    public static int Setup(in SystemConfig config, ref MmioDispatch dispatch, GicDistributorState* storage,
        CpuAffinityTable* affinities, delegate*<ulong, ulong, byte*> mapDevice)
    {
        uint version = config.ArmGicVersion;
        if (version != 2 && version != 3)
            return Errno.EINVAL;
        ulong size = version == 3 ? GicDistributor.Size : GicPassthrough.Gicv2DistributorSize;
        byte* registers = mapDevice(config.ArmGicdBase, size);
        if (registers == null)
            return Errno.ENOMEM;
        storage->Registers = registers;
        storage->Version = version;
        storage->HasAllCpus = true;   // the root cell, the only cell there is yet
        storage->ControlsDistributor = true;
        storage->Affinities = affinities;
        storage->SameCell = &SameCell;
        storage->InterfacesKnown = 0;
        storage->CpuSet = 0;
        for (uint cpu = 0; cpu < 64; cpu++)
            if (config.HasCpu(cpu))
                storage->CpuSet |= 1ul << (int)cpu;
        systemCpus = storage->CpuSet;
        distributorBase = config.ArmGicdBase;
        distributorSize = size;
        for (uint i = 0; i < config.IrqchipCount; i++)
            if (config.IrqchipAddress(i) == config.ArmGicdBase)
                GicDistributor.Own(ref *storage, config.IrqchipPinBase(i), config.IrqchipPinBitmap(i));
        state = storage;
        return dispatch.Register(config.ArmGicdBase, size, &Access, storage);
    }

    /// <summary>Whether an SGI of CPU <paramref name="sender"/> may reach CPU <paramref name="target"/>
    /// (and whether it may touch that CPU's redistributor frame): <see cref="Control.CpusShareCell"/>.</summary>
    public static bool SameCell(uint sender, uint target) => Control.CpusShareCell(ref ArchSetup.Hypercalls, sender, target);

    /// <summary>The system's CPUs (below 64), which the root cell has while no other cell exists.</summary>
    private static ulong systemCpus;
    private static ulong distributorBase;
    private static ulong distributorSize;

    /// <summary>
    /// GICv2: this CPU's CPU interface mask, which the banked GICD_ITARGETSR0 reads back (every
    /// byte of it names the reading CPU); SGI target lists and SPI targets are checked with it.
    /// </summary>
    public static void InitCpu(uint cpuId)
    {
        if (state == null || state->Version != 2 || cpuId >= GicDistributorState.MaxCpus)
            return;
        writeLock.Acquire(cpuId);
        state->CpuInterface[cpuId] = Mmio8.Read(state->Registers + 0x800);
        state->InterfacesKnown |= 1UL << (int)cpuId;
        writeLock.Release();
    }

    private static int Access(void* argument, MmioAccess* access)
    {
        if (!access->IsWrite)
            return GicDistributor.Access(argument, access);
        // GICv2 SGIs count as trapped SGIs (vmexits_vsgi) as well, as ICC_SGI1R_EL1 writes do; the
        // hypervisor's event SGI is its own (a cell's write of it is dropped, as on GICv3).
        if (state->Version == 2 && access->Address == 0xf00)
        {
            ArchSetup.Hypercalls.Cpu(access->Cpu)->Stats[PerCpu.StatVmexitsVsgi]++;
            if ((access->Value & 0xf) == GicV3.EventSgi)
                return MmioResult.Handled;
        }
        writeLock.Acquire(access->Cpu);
        int result = GicDistributor.Access(argument, access);
        writeLock.Release();
        return result;
    }

    /// <summary>
    /// A new non-root cell: its view of the distributor in <paramref name="storage"/>, registered
    /// with its MMIO handlers. Its SPIs and CPUs leave the root cell's view (root writes to them are
    /// ignored from now on) and each SPI is disabled and routed to the cell's first CPU.
    /// </summary>
    public static int CreateCell(CellDesc desc, GicDistributorState* storage, ref MmioDispatch dispatch, uint callerCpu)
    {
        if (state == null)
            return Errno.EINVAL;
        GicDistributor.InitCell(ref *storage, *state, desc, distributorBase);
        int result = dispatch.Register(distributorBase, distributorSize, &Access, storage);
        if (result != 0)
        {
            storage->Registers = null;   // nothing moved: nothing to give back
            return result;
        }
        writeLock.Acquire(callerCpu);
        GicDistributor.MoveToCell(ref *state, *storage, systemCpus);
        writeLock.Release();
        return 0;
    }

    /// <summary>The cell's CPUs are parked: its SPIs and CPUs go back to the root cell.</summary>
    public static void DestroyCell(GicDistributorState* storage, uint callerCpu)
    {
        if (state == null || storage->Registers == null)
            return;
        writeLock.Acquire(callerCpu);
        GicDistributor.MoveToRoot(ref *state, *storage, systemCpus);
        writeLock.Release();
        storage->Registers = null;
    }

    /// <summary>GICv2: sends SGI <paramref name="intid"/> from this CPU to the CPUs of
    /// <paramref name="targets"/> (the hypervisor's own, unfiltered).</summary>
    public static void SendSgi(uint intid, ulong targets)
    {
        if (state != null && state->Version == 2)
            Mmio32.Write(state->Registers + 0xf00, SgiRouting.EncodeSgir(intid & 0xf, targets & state->InterfacesKnown, state->CpuInterface));
    }

    /// <summary>The distributor at EL2 (null before set-up).</summary>
    public static byte* Registers => state == null ? null : state->Registers;

    /// <summary>GICv2: the hypervisor's own PPI or SGI (banked in the distributor) leaves the cell's reach.</summary>
    public static void Reserve(uint intid)
    {
        if (state != null && intid < 32)
            state->ReservedPrivate |= 1u << (int)intid;
    }

    /// <summary>A CPU stopped by a fault in the middle of a distributor write gives the lock back.</summary>
    public static void ReleaseIfHeldBy(uint cpuId) => writeLock.ReleaseIfHeldBy(cpuId);
}
