namespace Jailhouse.Hypervisor;

/// <summary>
/// A ticket lock from the architecture's atomic increment and acquire/release accesses: CPUs
/// get in in the order they asked, which keeps a busy console fair. It remembers which CPU
/// holds it, so that a CPU stopped by a fault inside the critical section can give it back
/// (<see cref="ReleaseIfHeldBy"/>) instead of leaving every other CPU spinning forever.
/// </summary>
internal struct SpinLock
{
    private uint next;
    private uint serving;
    /// <summary>CPU ID + 1 of the holder, 0 while free.</summary>
    private uint holder;

    public void Acquire(uint cpuId)
    {
        uint ticket = Arch.AtomicIncrement(ref next) - 1;
        while (Arch.LoadAcquire(ref serving) != ticket)
        {
        }
        holder = cpuId + 1;
    }

    public void Release()
    {
        holder = 0;
        Arch.StoreRelease(ref serving, serving + 1);
    }

    /// <summary>Releases the lock if CPU <paramref name="cpuId"/> holds it (its critical section ended in a fault).</summary>
    public void ReleaseIfHeldBy(uint cpuId)
    {
        if (Arch.LoadAcquire(ref holder) == cpuId + 1)
            Release();
    }
}
