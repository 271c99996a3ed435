using System.Runtime;

namespace Jailhouse.Hypervisor;

/// <summary>
/// What reaches the host's IDT (<see cref="X86HostDescriptors"/>, exceptions.S). An exception
/// in the hypervisor is a bug: reported with where it happened, and the CPU stops for good
/// (shown as failed). An NMI is Linux's (a backtrace request, a watchdog, a crash or reboot
/// shoot-down) that arrived while the CPU ran the hypervisor: the stub counts it, and it goes
/// to the guest before the guest resumes, as the CPU would have delivered it there.
/// </summary>
internal static unsafe class HostExceptions
{
    [RuntimeExport("x86_host_exception")]
    public static void Report(ulong* frame)
    {
        // The VMCS host state points GS at this CPU's per-CPU area.
        PerCpu* cpu = (PerCpu*)Arch.ReadMsr(Msr.GsBase);
        if (!CpuFailure.Begin(cpu))
            Arch.Park();                // faulted while reporting: stay quiet
        DebugConsole.BeginLine(cpu->CpuId);
        DebugConsole.Print("FATAL: hypervisor exception %d, RIP 0x%x, RSP 0x%x", frame[0], frame[2], frame[5]);
        if (X86HostDescriptors.HasErrorCode((int)frame[0]))
            DebugConsole.Print(", error 0x%x", frame[1]);
        if (frame[0] == X86HostDescriptors.VectorPageFault)
            DebugConsole.Print(", CR2 0x%x", Arch.ReadCr2());
        DebugConsole.Print("\nCPU %d stopped\n", cpu->CpuId);
        DebugConsole.EndLine();
        CpuFailure.Finish(cpu);
        Arch.Park();
    }

    /// <summary>
    /// Before the guest resumes: an NMI the host took is injected, unless the guest cannot take
    /// one right now (it blocks NMIs, or an event is being injected already, or the CPU waits
    /// for SIPI); then it stays counted for a later exit. NMIs that arrived meanwhile fold into
    /// one, as a CPU holds at most one pending NMI.
    /// </summary>
    public static void InjectPendingNmi(PerCpu* cpu)
    {
        uint* pending = (uint*)&cpu->ArchData[X86PerCpu.HostNmis];
        if (Arch.LoadAcquire(ref *pending) == 0
            || Arch.VmRead(Vmcs.GuestActivityState) != Vmcs.ActivityActive
            || (Arch.VmRead(Vmcs.GuestInterruptibility) & Vmcs.InterruptibilityBlocksNmi) != 0
            || (Arch.VmRead(Vmcs.EntryInterruptionInfo) & (1u << 31)) != 0)
            return;
        Arch.Exchange(ref *pending, 0);
        Arch.VmWrite(Vmcs.EntryInterruptionInfo, Vmcs.InjectNmi);
    }
}
