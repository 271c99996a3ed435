namespace Jailhouse.Hypervisor;

/// <summary>
/// PSCI power management of a cell's CPUs, emulated by the hypervisor as upstream does: a CPU
/// the cell turns off waits in the hypervisor (it never goes back to the firmware, which would
/// start it outside the hypervisor), CPU_ON hands a waiting CPU its entry point and context,
/// AFFINITY_INFO reports these states. Only CPUs that entered the hypervisor take part; the
/// per-CPU areas are shared, so states change with acquire/release accesses, and CPU_ON's
/// check-then-set runs under <see cref="CpuOwnership.Lock"/> (two CPUs turning on the same one:
/// one succeeds, the other hears ALREADY_ON, and the entry point is the winner's; a cell create
/// taking the CPU meanwhile: it is no longer the caller's).
/// </summary>
internal static unsafe class PsciEmulation
{

    public const long Success = 0;
    public const long InvalidParameters = -2;
    public const long Denied = -3;
    public const long AlreadyOn = -4;
    public const long AffinityOn = 0;
    public const long AffinityOff = 1;

    /// <summary>CPU_ON by CPU <paramref name="callerCpu"/> of <paramref name="callerCell"/> (null: the root
    /// cell) for <paramref name="target"/> (null: not a CPU of the cell).</summary>
    public static long CpuOn(uint callerCpu, Cell* callerCell, PerCpu* target, ulong entry, ulong context)
    {
        if (target == null)
            return InvalidParameters;
        CpuOwnership.Lock.Acquire(callerCpu);
        long result = CpuOnLocked(callerCell, target, entry, context);
        CpuOwnership.Lock.Release();
        return result;
    }

    private static long CpuOnLocked(Cell* callerCell, PerCpu* target, ulong entry, ulong context)
    {
        if (target->OwnerCell != callerCell)
            return InvalidParameters; // a cell create took it since the caller looked
        uint state = Arch.LoadAcquire(ref target->PowerState);
        if (state == PowerState.Running || state == PowerState.Waking)
            return AlreadyOn;
        if (state != PowerState.Off)
            return Denied; // never entered the hypervisor: only the firmware could start it
        target->WakeEntry = entry;
        target->WakeContext = context;
        Arch.StoreRelease(ref target->PowerState, PowerState.Waking);
        return Success;
    }

    public static long AffinityInfo(PerCpu* target)
    {
        if (target == null)
            return InvalidParameters;
        uint state = Arch.LoadAcquire(ref target->PowerState);
        return state == PowerState.Off ? AffinityOff : AffinityOn;
    }

    /// <summary>CPU_OFF: marks the CPU off; the caller then waits in <see cref="WaitForWake"/>.</summary>
    public static void CpuOff(PerCpu* cpu) => Arch.StoreRelease(ref cpu->PowerState, PowerState.Off);

    /// <summary>True once another CPU turned this one on; the caller starts it at WakeEntry.</summary>
    public static bool TryWake(PerCpu* cpu)
    {
        if (Arch.LoadAcquire(ref cpu->PowerState) != PowerState.Waking)
            return false;
        Arch.StoreRelease(ref cpu->PowerState, PowerState.Running);
        return true;
    }
}
