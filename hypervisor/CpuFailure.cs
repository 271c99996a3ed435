namespace Jailhouse.Hypervisor;

/// <summary>
/// How a CPU stops for good after an error, on every architecture. From the first line of its
/// report it is held in the hypervisor (<see cref="PowerState.Stopping"/>: disable is refused);
/// it shows as failed (CPU_GET_INFO) only once the report is out, so whoever sees it failed
/// also finds the whole report on the console. The console is given back first, in case the
/// error hit the CPU in the middle of a line.
/// </summary>
internal static unsafe class CpuFailure
{
    /// <summary>Starts stopping <paramref name="cpu"/>; false when it was stopping already (an
    /// error while reporting the first: the caller says nothing more).</summary>
    public static bool Begin(PerCpu* cpu)
    {
        uint state = Arch.LoadAcquire(ref cpu->PowerState);
        DebugConsole.ReleaseIfHeldBy(cpu->CpuId);
        Arch.StoreRelease(ref cpu->PowerState, PowerState.Stopping);
        return state != PowerState.Stopping && state != PowerState.Failed;
    }

    /// <summary>The report is out: the CPU shows as failed.</summary>
    public static void Finish(PerCpu* cpu) => Arch.StoreRelease(ref cpu->PowerState, PowerState.Failed);
}
