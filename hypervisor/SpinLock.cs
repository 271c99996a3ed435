namespace Jailhouse.Hypervisor;

/// <summary>
/// A ticket lock from the architecture's atomic increment and acquire/release accesses: CPUs
/// get in in the order they asked, which keeps a busy console fair.
/// </summary>
internal struct SpinLock
{
    private uint next;
    private uint serving;

    public void Acquire()
    {
        uint ticket = Arch.AtomicIncrement(ref next) - 1;
        while (Arch.LoadAcquire(ref serving) != ticket)
        {
        }
    }

    public void Release() => Arch.StoreRelease(ref serving, serving + 1);
}
