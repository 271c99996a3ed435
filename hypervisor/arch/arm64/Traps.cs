using System.Runtime;

namespace Jailhouse.Hypervisor;

/// <summary>
/// What a trap to EL2 means (ESR_EL2's exception class) and what to do about it. HVCs with
/// Jailhouse's immediate are hypercalls; every other trap of a cell is not handled yet and
/// stops the CPU with a report on the console (the cell's state is left as it was).
/// </summary>
internal static unsafe class Traps
{
    public const uint ClassHvc64 = 0x16;
    public const uint ClassSmc64 = 0x17;
    public const uint ClassDataAbortLower = 0x24;
    public const uint ClassInstructionAbortLower = 0x20;

    public const int Resume = 0;
    public const int LeaveHypervisor = 1;

    /// <summary>Called from el1_sync; returns <see cref="Resume"/> or <see cref="LeaveHypervisor"/>.</summary>
    [RuntimeExport("arch_handle_trap")]
    public static int Handle(TrapFrame* frame, PerCpu* cpu)
    {
        cpu->Stats[PerCpu.StatVmexitsTotal]++;
        ulong esr = Arch.ReadEsr();
        uint exceptionClass = (uint)(esr >> 26) & 0x3f;
        if (exceptionClass == ClassHvc64)
        {
            if ((esr & 0xffff) != Hypercalls.ArmHvcImmediate)
            {
                frame->X[0] = unchecked((ulong)(long)Errno.ENOSYS);
                return Resume;
            }
            ulong code = frame->X[0];
            long result = Hypercalls.Dispatch(ref ArchSetup.Hypercalls, cpu->CpuId, code, frame->X[1], frame->X[2]);
            frame->X[0] = unchecked((ulong)result);
            if (code == Hypercalls.Disable && result == 0)
            {
                // CPUs disable at the same time: keep each one's line whole.
                DebugConsole.BeginLine();
                DebugConsole.Write("Hypervisor disabled on CPU ");
                DebugConsole.WriteDecimal(cpu->CpuId);
                DebugConsole.Write("\n");
                DebugConsole.EndLine();
                return LeaveHypervisor;
            }
            return Resume;
        }
        if (exceptionClass == ClassSmc64)
        {
            HandleSmc(frame, cpu);
            return Resume;
        }
        if (exceptionClass == ClassDataAbortLower)
        {
            DataAbort abort = DataAbort.Decode(esr, Arch.ReadHpfar(), Arch.ReadFar());
            if (abort.Valid)
            {
                HandleMmio(frame, cpu, abort);
                return Resume;
            }
        }
        DebugConsole.BeginLine();
        Report("Unhandled trap", esr, frame->Elr);
        if (exceptionClass == ClassDataAbortLower || exceptionClass == ClassInstructionAbortLower)
        {
            // HPFAR_EL2 holds bits 47:12 of the faulting guest-physical address in bits 43:4.
            DebugConsole.Write(" guest-physical ");
            DebugConsole.WriteHex(((Arch.ReadHpfar() >> 4) << 12) | (Arch.ReadFar() & 0xfff));
        }
        DebugConsole.Write("\nCPU ");
        DebugConsole.WriteDecimal(cpu->CpuId);
        DebugConsole.Write(" stopped\n");
        DebugConsole.EndLine();
        Arch.StoreRelease(ref cpu->PowerState, PowerState.Failed);
        Arch.Park();
        return Resume;
    }

    /// <summary>
    /// Performs a described stage-2 data abort through the root cell's MMIO handlers and skips
    /// the instruction; an access no handler takes stops the CPU with upstream's FATAL line.
    /// </summary>
    private static void HandleMmio(TrapFrame* frame, PerCpu* cpu, in DataAbort abort)
    {
        cpu->Stats[PerCpu.StatVmexitsMmio]++;
        var access = new MmioAccess(abort.Address, abort.Size, abort.IsWrite,
            abort.IsWrite && abort.Register != DataAbort.ZeroRegister ? abort.StoreValue(frame->X[abort.Register]) : 0);
        if (ArchSetup.Mmio.Dispatch(&access) == MmioResult.Handled)
        {
            if (!abort.IsWrite && abort.Register != DataAbort.ZeroRegister)
                frame->X[abort.Register] = abort.LoadResult(access.Value);
            frame->Elr += 4;
            return;
        }
        DebugConsole.BeginLine();
        DebugConsole.Write(abort.IsWrite ? "FATAL: Invalid MMIO write, addr: " : "FATAL: Invalid MMIO read, addr: ");
        DebugConsole.WriteHexDigits(abort.Address, 16);
        DebugConsole.Write(" size: ");
        DebugConsole.WriteDecimal(abort.Size);
        DebugConsole.Write("\nCell \"");
        DebugConsole.WriteBytes(ArchSetup.Hypercalls.Config.RootCellName, SystemConfig.CellNameSize);
        DebugConsole.Write("\", CPU ");
        DebugConsole.WriteDecimal(cpu->CpuId);
        DebugConsole.Write(", ELR ");
        DebugConsole.WriteHex(frame->Elr);
        DebugConsole.Write(": CPU ");
        DebugConsole.WriteDecimal(cpu->CpuId);
        DebugConsole.Write(" stopped\n");
        DebugConsole.EndLine();
        Arch.StoreRelease(ref cpu->PowerState, PowerState.Failed);
        Arch.Park();
    }

    /// <summary>A trapped SMC returns to the instruction itself: skip it, then answer per <see cref="SmcCalls"/>.</summary>
    private static void HandleSmc(TrapFrame* frame, PerCpu* cpu)
    {
        frame->Elr += 4;
        FirmwareFeatures* firmware = ArchSetup.Firmware(cpu);
        uint function = (uint)frame->X[0];
        switch (SmcCalls.Decide(function, *firmware))
        {
            case SmcCalls.Decision.Forward:
                Arch.Smc(&frame->X[0]);
                break;
            case SmcCalls.Decision.Answer:
                frame->X[0] = unchecked((ulong)SmcCalls.Answer(function, (uint)frame->X[1], *firmware));
                break;
            case SmcCalls.Decision.Emulate:
                EmulatePsci(frame, cpu);
                break;
            case SmcCalls.Decision.Deny:
                frame->X[0] = unchecked((ulong)SmcCalls.Denied);
                break;
            default:
                frame->X[0] = unchecked((ulong)SmcCalls.NotSupported);
                break;
        }
    }

    private static void EmulatePsci(TrapFrame* frame, PerCpu* cpu)
    {
        uint function = (uint)frame->X[0];
        if (function == SmcCalls.PsciCpuOff)
        {
            // Wait in the hypervisor until the cell turns this CPU on again, then start it where
            // CPU_ON said, as after a reset: EL1h, interrupts masked, MMU and caches off.
            PsciEmulation.CpuOff(cpu);
            while (!PsciEmulation.TryWake(cpu))
                Arch.WaitForEvent();
            frame->Elr = cpu->WakeEntry;
            frame->X[0] = cpu->WakeContext;
            frame->Spsr = SpsrEl1hMasked;
            Arch.ResetEl1();
            return;
        }
        PerCpu* target = CellCpu(frame->X[1]);
        frame->X[0] = unchecked((ulong)(function == SmcCalls.PsciAffinityInfo32 || function == SmcCalls.PsciAffinityInfo64
            ? PsciEmulation.AffinityInfo(target)
            : PsciEmulation.CpuOn(target, frame->X[2], frame->X[3])));
    }

    private const ulong SpsrEl1hMasked = 0x3c5;

    /// <summary>The per-CPU area of the root cell's CPU with this MPIDR, or null.</summary>
    private static PerCpu* CellCpu(ulong mpidr)
    {
        ref HypercallContext context = ref ArchSetup.Hypercalls;
        long id = PsciEmulation.CpuOfMpidr(mpidr);
        if (id < 0 || id >= context.MaxCpus || !context.Config.HasCpu((uint)id))
            return null;
        return context.Cpu((uint)id);
    }

    [RuntimeExport("arch_unexpected_exception")]
    public static void Unexpected(TrapFrame* frame)
    {
        Report("Unexpected exception from a cell", Arch.ReadEsr(), 0);
        DebugConsole.Write("\n");
        Arch.Park();
    }

    [RuntimeExport("arch_hypervisor_fault")]
    public static void HypervisorFault(ulong stackPointer)
    {
        Report("Hypervisor fault", Arch.ReadEsr(), 0);
        DebugConsole.Write(" FAR ");
        DebugConsole.WriteHex(Arch.ReadFar());
        DebugConsole.Write("\n");
        Arch.Park();
    }

    private static void Report(string what, ulong esr, ulong elr)
    {
        DebugConsole.Write(what);
        DebugConsole.Write(": EC ");
        DebugConsole.WriteHex((esr >> 26) & 0x3f);
        DebugConsole.Write(" ESR ");
        DebugConsole.WriteHex(esr);
        DebugConsole.Write(" ELR ");
        DebugConsole.WriteHex(elr);
    }
}
