namespace Jailhouse.Hypervisor;

/// <summary>
/// Entry rendezvous of the CPUs the driver starts: the first to arrive does the global setup
/// while the others wait for it, then all wait until every online CPU has arrived (the
/// driver's entry() calls return together, bootstrap-interface.txt).
/// </summary>
internal static unsafe class Sync
{
    private static uint arrived;
    private static uint globalDone;
    private static uint activated;

    public static bool ArriveFirst() => Arch.AtomicIncrement(ref arrived) == 1;

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
