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
        return dispatch.Register(config.ArmGicrBase, size, &Redistributor.Access, storage);
    }

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
}
