namespace Jailhouse.Hypervisor;

/// <summary>
/// Entry rendezvous of the CPUs the driver starts: the first to arrive waits for all online
/// CPUs, does the global setup while the others wait for it, then all wait until every online
/// CPU has finished its own setup (the driver's entry() calls return together,
/// bootstrap-interface.txt).
/// </summary>
internal static unsafe class Sync
{
    private static uint arrived;
    private static uint globalDone;
    private static uint activated;

    public static bool ArriveFirst() => Arch.AtomicIncrement(ref arrived) == 1;

    /// <summary>The first CPU waits here until every online CPU has entered (upstream does the
    /// same): nothing is checked or built while a CPU may still be running Linux.</summary>
    public static void WaitForArrivals(uint onlineCpus)
    {
        while (Arch.LoadAcquire(ref arrived) < onlineCpus)
        {
        }
    }

    public static void ReleaseGlobal() => Arch.StoreRelease(ref globalDone, 1);

    public static void WaitForGlobal()
    {
        while (Arch.LoadAcquire(ref globalDone) == 0)
        {
        }
    }

    public static void WaitForAll(uint onlineCpus)
    {
        Arch.AtomicIncrement(ref activated);
        while (Arch.LoadAcquire(ref activated) < onlineCpus)
        {
        }
    }
}
