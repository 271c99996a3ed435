namespace Jailhouse.Hypervisor;

/// <summary>
/// The INIT/SIPI state of each CPU, kept by the hypervisor (upstream's init_signaled,
/// wait_for_sipi and sipi_vector): a cell's INIT and SIPI IPIs are emulated
/// (<see cref="X86Apic"/>). An INIT is delivered (a physical INIT, whose VM exit lands here)
/// only to a CPU that neither waits for SIPI nor has an INIT on the way; the CPU then waits in
/// the hypervisor. A SIPI only records its vector for a CPU that waits, which then starts
/// there: no physical SIPI is sent. A CPU stopped after an error waits for SIPI for good:
/// nothing reaches it. Kept in the per-CPU area (<see cref="X86PerCpu.InitSipiFlags"/>,
/// <see cref="X86PerCpu.SipiVector"/>) under one lock.
/// </summary>
internal static unsafe class X86InitSipi
{
    private const uint InitSignaled = 1;
    private const uint WaitingForSipi = 2;
    private const uint SipiRecorded = 4;
    private const ulong NoVector = ~0UL;

    private static SpinLock stateLock;

    private static ref uint Flags(PerCpu* cpu) => ref *(uint*)&cpu->ArchData[X86PerCpu.InitSipiFlags];

    /// <summary>A CPU entering the hypervisor runs its cell: nothing signalled, no vector.</summary>
    public static void Reset(PerCpu* cpu)
    {
        Flags(cpu) = 0;
        cpu->ArchData[X86PerCpu.SipiVector] = NoVector;
    }

    /// <summary>CPU <paramref name="sender"/> sends INIT to <paramref name="target"/>: true if the
    /// caller must deliver it (the target runs and has no INIT on the way).</summary>
    public static bool SignalInit(uint sender, PerCpu* target)
    {
        stateLock.Acquire(sender);
        bool deliver = (Flags(target) & (InitSignaled | WaitingForSipi)) == 0;
        if (deliver)
            Arch.StoreRelease(ref Flags(target), Flags(target) | InitSignaled);
        stateLock.Release();
        return deliver;
    }

    /// <summary>CPU <paramref name="sender"/> sends SIPI with <paramref name="vector"/>: true if
    /// the caller must deliver it (the target waits for SIPI; the vector is recorded).</summary>
    public static bool SignalSipi(uint sender, PerCpu* target, uint vector)
    {
        stateLock.Acquire(sender);
        bool deliver = (Flags(target) & WaitingForSipi) != 0 && Arch.LoadAcquire(ref target->PowerState) != PowerState.Failed;
        if (deliver)
        {
            target->ArchData[X86PerCpu.SipiVector] = vector & 0xff;
            Arch.StoreRelease(ref Flags(target), Flags(target) | SipiRecorded);
        }
        stateLock.Release();
        return deliver;
    }

    /// <summary>True while an INIT sent to <paramref name="cpu"/> has not arrived (its sender waits for that).</summary>
    public static bool InitPending(PerCpu* cpu) => (Arch.LoadAcquire(ref Flags(cpu)) & InitSignaled) != 0;

    /// <summary>True once a SIPI recorded a vector for <paramref name="cpu"/> (it polls this while waiting).</summary>
    public static bool SipiPending(PerCpu* cpu) => (Arch.LoadAcquire(ref Flags(cpu)) & SipiRecorded) != 0;

    /// <summary>The INIT arrived (VM exit on <paramref name="cpu"/>): it waits for SIPI from now on.</summary>
    public static void InitArrived(PerCpu* cpu)
    {
        stateLock.Acquire(cpu->CpuId);
        cpu->ArchData[X86PerCpu.SipiVector] = NoVector;
        Arch.StoreRelease(ref Flags(cpu), WaitingForSipi);
        stateLock.Release();
    }

    /// <summary>The vector a SIPI recorded for <paramref name="cpu"/>, which runs again from now
    /// on; or -1 (none recorded yet, or the CPU stopped for good) and it keeps waiting.</summary>
    public static int TakeSipi(PerCpu* cpu)
    {
        stateLock.Acquire(cpu->CpuId);
        int vector = -1;
        ulong recorded = cpu->ArchData[X86PerCpu.SipiVector];
        if ((Flags(cpu) & WaitingForSipi) != 0 && recorded != NoVector && Arch.LoadAcquire(ref cpu->PowerState) != PowerState.Failed)
        {
            vector = (int)recorded;
            Arch.StoreRelease(ref Flags(cpu), 0);
        }
        else
        {
            Arch.StoreRelease(ref Flags(cpu), Flags(cpu) & ~SipiRecorded);
        }
        cpu->ArchData[X86PerCpu.SipiVector] = NoVector;
        stateLock.Release();
        return vector;
    }

    /// <summary>A CPU stopped after an error waits for SIPI, which never comes (<see cref="TakeSipi"/>).</summary>
    public static void Park(PerCpu* cpu)
    {
        stateLock.Acquire(cpu->CpuId);
        cpu->ArchData[X86PerCpu.SipiVector] = NoVector;
        Arch.StoreRelease(ref Flags(cpu), WaitingForSipi);
        stateLock.Release();
    }
}
