namespace Jailhouse.Hypervisor;

/// <summary>
/// Which cell owns a CPU and whether the CPU may be turned on change together, under one lock:
/// PSCI CPU_ON (a cell turning on one of its own CPUs) checks the owner and marks the CPU
/// waking, cell create checks that each of its CPUs is off and the root cell's and gives it to
/// the new cell. Without it a root-cell CPU_ON could pass its owner check, a create on another
/// CPU take that CPU, and the CPU_ON then start the new cell's CPU at an entry point the root
/// cell chose. (Upstream suspends the root cell's CPUs during cell management instead.)
/// </summary>
internal static unsafe class CpuOwnership
{
    private static SpinLock ownershipLock;

    /// <summary>The lock (the host tests hold it to see CPU_ON wait for it).</summary>
    internal static ref SpinLock Lock => ref ownershipLock;

    /// <summary>A CPU stopped by a fault inside CPU_ON or a create gives the lock back.</summary>
    public static void ReleaseIfHeldBy(uint cpuId) => ownershipLock.ReleaseIfHeldBy(cpuId);

    /// <summary>
    /// Gives every CPU of <paramref name="cell"/> to it, with its statistics cleared, if each is
    /// still the root cell's and off; otherwise changes nothing and returns false.
    /// </summary>
    public static bool Claim(ref HypercallContext context, Cell* cell, uint callerCpu)
    {
        ownershipLock.Acquire(callerCpu);
        bool free = true;
        for (uint cpu = 0; cpu < context.MaxCpus; cpu++)
        {
            PerCpu* data = context.Cpu(cpu);
            if (cell->HasCpu(cpu) && (data->OwnerCell != null || Arch.LoadAcquire(ref data->PowerState) != PowerState.Off))
                free = false;
        }
        if (free)
        {
            for (uint cpu = 0; cpu < context.MaxCpus; cpu++)
            {
                if (!cell->HasCpu(cpu))
                    continue;
                PerCpu* data = context.Cpu(cpu);
                data->OwnerCell = cell;
                for (int i = 0; i < PerCpu.StatCount; i++)
                    data->Stats[i] = 0;
            }
        }
        ownershipLock.Release();
        return free;
    }
}
