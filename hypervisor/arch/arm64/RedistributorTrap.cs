namespace Jailhouse.Hypervisor;

/// <summary>
/// arm64 glue for <see cref="Redistributor"/> (GICv3): maps the redistributors of the possible
/// CPUs (max_cpus frames from the configuration's GICR base) into the EL2 device window,
/// registers them as an MMIO region, and when a CPU enters, finds its frame by affinity.
/// </summary>
internal static unsafe class RedistributorTrap
{
    private static RedistributorState* state;

    public static int Setup(in SystemConfig config, uint maxCpus, ref MmioDispatch dispatch, RedistributorState* storage,
        delegate*<ulong, ulong, byte*> mapDevice)
    {
        if (config.ArmGicVersion != 3)
            return 0;
        if (maxCpus == 0 || maxCpus > RedistributorState.MaxFrames)
            return Errno.EINVAL;
        ulong size = maxCpus * Redistributor.FrameSize;
        byte* registers = mapDevice(config.ArmGicrBase, size);
        if (registers == null)
            return Errno.ENOMEM;
        storage->Registers = registers;
        storage->Count = maxCpus;
        storage->ReservedPrivate = 0;
        storage->SameCell = &GicDistributorTrap.SameCell;
        storage->FramesKnown = 0;
        state = storage;
        framesBase = config.ArmGicrBase;
        framesSize = size;
        return dispatch.Register(config.ArmGicrBase, size, &Redistributor.Access, storage);
    }

    private static ulong framesBase;
    private static ulong framesSize;

    /// <summary>
    /// A non-root cell sees the same frames through the same emulation: every frame's TYPER (so
    /// it finds its CPUs' frames by affinity), but performs accesses only on its own CPUs' frames
    /// (<see cref="GicDistributorTrap.SameCell"/>); nothing to do without GICv3.
    /// </summary>
    public static int RegisterCell(ref MmioDispatch dispatch) =>
        state == null ? 0 : dispatch.Register(framesBase, framesSize, &Redistributor.Access, state);

    /// <summary>The frame whose GICR_TYPER affinity is this CPU's MPIDR belongs to this CPU; a CPU
    /// without one (fewer redistributors than CPUs) fails to enter.</summary>
    public static int InitCpu(uint cpuId, ulong mpidr)
    {
        if (state == null)
            return 0;
        ulong affinity = CpuAffinity.Of(mpidr);
        for (uint frame = 0; frame < state->Count; frame++)
        {
            ulong typer = Mmio64.Read(state->Registers + frame * Redistributor.FrameSize + 0x8);
            if (Redistributor.TyperAffinity(typer) == affinity)
            {
                // Frames are assigned once per CPU, each CPU its own: no two CPUs write the same entry.
                Redistributor.Assign(ref *state, frame, cpuId);
                return 0;
            }
            if ((typer & Redistributor.TyperLast) != 0)
                break;
        }
        return Errno.EINVAL;
    }

    /// <summary>The SGI frame (GICR_SGI_base) of this CPU's redistributor at EL2, or null.</summary>
    private static byte* SgiFrameOf(uint cpuId)
    {
        if (state == null)
            return null;
        for (uint frame = 0; frame < state->Count && frame < RedistributorState.MaxFrames; frame++)
            if ((state->FramesKnown & (1UL << (int)frame)) != 0 && state->CpuOfFrame[frame] == cpuId)
                return state->Registers + frame * Redistributor.FrameSize + 0x10000;
        return null;
    }

    /// <summary>GICR_ISACTIVER0 of this CPU: the SGIs and PPIs active on it.</summary>
    public static uint ActivePrivate(uint cpuId)
    {
        byte* sgi = SgiFrameOf(cpuId);
        return sgi == null ? 0 : Mmio32.Read(sgi + 0x300);
    }

    /// <summary>
    /// An SGI or PPI of the hypervisor's own (the maintenance interrupt, the event SGI): group 1,
    /// Linux's default priority, enabled, and from now on out of the cell's reach. True when it
    /// was enabled before (Linux enables every SGI, never the maintenance PPI).
    /// </summary>
    public static bool ReservePrivate(uint cpuId, uint intid)
    {
        byte* sgi = SgiFrameOf(cpuId);
        if (sgi == null)
            return false;
        bool wasEnabled = (Mmio32.Read(sgi + 0x100) & (1u << (int)intid)) != 0;
        state->ReservedPrivate |= 1u << (int)intid;
        Mmio32.Write(sgi + 0x080, Mmio32.Read(sgi + 0x080) | 1u << (int)intid);   // IGROUPR0
        Mmio8.Write(sgi + 0x400 + intid, 0xa0);                                    // IPRIORITYR
        Mmio32.Write(sgi + 0x100, 1u << (int)intid);                               // ISENABLER0
        return wasEnabled;
    }

    /// <summary>Disable: the interrupt goes off again unless it was enabled before.</summary>
    public static void ReleasePrivate(uint cpuId, uint intid, bool wasEnabled)
    {
        byte* sgi = SgiFrameOf(cpuId);
        if (sgi != null && !wasEnabled)
            Mmio32.Write(sgi + 0x180, 1u << (int)intid);                           // ICENABLER0
    }
}
