using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// The hypervisor's ticket lock (SpinLock) as the fault path uses it: a CPU stopped inside a
/// critical section (the console line, a GIC distributor write, CPU_ON) gives the lock back,
/// and only a lock it holds.
/// </summary>
public sealed class SpinLockTests
{
    private sealed class Box
    {
        public Jailhouse.Hypervisor.SpinLock Lock;
    }

    /// <summary>CPU <paramref name="cpu"/> asking for the lock on another thread (it releases it at once).</summary>
    private static Thread Contender(Box box, uint cpu)
    {
        var thread = new Thread(() =>
        {
            box.Lock.Acquire(cpu);
            box.Lock.Release();
        }) { IsBackground = true };
        thread.Start();
        return thread;
    }

    private static bool Acquires(Box box, uint cpu) => Contender(box, cpu).Join(TimeSpan.FromSeconds(2));

    [Fact]
    public void A_lock_held_by_a_stopped_cpu_is_given_back_by_its_fault_path()
    {
        var box = new Box();
        box.Lock.Acquire(3);
        box.Lock.ReleaseIfHeldBy(3);              // CPU 3 faulted while holding it
        Assert.True(Acquires(box, 1));
    }

    [Fact]
    public void Another_cpus_fault_leaves_the_lock_with_its_holder()
    {
        var box = new Box();
        box.Lock.Acquire(3);
        box.Lock.ReleaseIfHeldBy(0);              // CPU 0 faulted: not the holder
        box.Lock.ReleaseIfHeldBy(4);
        var contender = Contender(box, 1);
        Assert.False(contender.Join(TimeSpan.FromMilliseconds(500)));   // still CPU 3's
        box.Lock.ReleaseIfHeldBy(3);
        Assert.True(contender.Join(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void A_free_lock_stays_consistent_when_a_fault_path_releases_nothing()
    {
        var box = new Box();
        box.Lock.Acquire(0);
        box.Lock.Release();
        box.Lock.ReleaseIfHeldBy(0);              // released already: must not advance the ticket twice
        box.Lock.Acquire(2);
        var contender = Contender(box, 1);
        Assert.False(contender.Join(TimeSpan.FromMilliseconds(500)));   // CPU 2 holds it: exclusion still works
        box.Lock.Release();
        Assert.True(contender.Join(TimeSpan.FromSeconds(2)));
    }
}
