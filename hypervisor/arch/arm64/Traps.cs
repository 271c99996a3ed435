using System.Runtime;

namespace Jailhouse.Hypervisor;

/// <summary>
/// What a trap to EL2 means (ESR_EL2's exception class) and what to do about it. HVCs with
/// Jailhouse's immediate are hypercalls, SMCs firmware calls, described stage-2 data aborts
/// MMIO accesses, set/way cache maintenance is performed as clean and invalidate; every other
/// trap of a cell stops the CPU with a report on the console (the cell's state is left as it
/// was), and so does a fault of the hypervisor itself.
/// </summary>
internal static unsafe class Traps
{
    public const int Resume = 0;
    public const int LeaveHypervisor = 1;

    /// <summary>
    /// Called from el1_sync; returns <see cref="Resume"/> or <see cref="LeaveHypervisor"/>. One
    /// handler per exception class, as upstream's table; a class without a handler, or a trap
    /// its handler does not take, stops the CPU.
    /// </summary>
    [RuntimeExport("arch_handle_trap")]
    public static int Handle(TrapFrame* frame, PerCpu* cpu)
    {
        cpu->Stats[PerCpu.StatVmexitsTotal]++;
        // Another CPU manages this CPU's cell (set loadable, start, destroy): stop here.
        if (CellCpus.ParkIfRequested(frame, cpu))
            return Resume;
        var esr = new Esr(Arch.ReadEsr());
        switch (esr.Class)
        {
            case Esr.ClassWfx:
                // Only non-root cells trap WFI/WFE: each one is a chance to see a park request.
                frame->Elr += 4;
                return Resume;
            case Esr.ClassHvc64:
                return HandleHvc(frame, cpu, esr);
            case Esr.ClassSmc64:
                HandleSmc(frame, cpu);
                return Resume;
            case Esr.ClassSystem64:
                if (HandleSystemInstruction(frame, cpu, esr))
                    return Resume;
                break;
            case Esr.ClassDataAbortLower:
                if (HandleDataAbort(frame, cpu, esr))
                    return Resume;
                break;
        }
        StopUnhandled(frame, cpu, esr);
        return Resume;
    }

    /// <summary>Hypercalls (<see cref="Hypercalls"/>): `hvc #0x4a48`; another immediate answers -ENOSYS.</summary>
    private static int HandleHvc(TrapFrame* frame, PerCpu* cpu, Esr esr)
    {
        if (esr.Immediate != Hypercalls.ArmHvcImmediate)
        {
            frame->X[0] = unchecked((ulong)(long)Errno.ENOSYS);
            return Resume;
        }
        ulong code = frame->X[0];
        long result = Hypercalls.Dispatch(ref ArchSetup.Hypercalls, cpu->CpuId, code, frame->X[1], frame->X[2]);
        frame->X[0] = unchecked((ulong)result);
        if (code != Hypercalls.Disable || result != 0)
            return Resume;
        // CPUs disable at the same time: keep each one's line whole.
        DebugConsole.BeginLine(cpu->CpuId);
        DebugConsole.Print("Hypervisor disabled on CPU %d\n", cpu->CpuId);
        DebugConsole.EndLine();
        Irqchip.ShutdownCpu(cpu->CpuId, cpu);
        return LeaveHypervisor;
    }

    /// <summary>A stage-2 data abort the hardware describes is an MMIO access (<see cref="HandleMmio"/>); false for the rest.</summary>
    private static bool HandleDataAbort(TrapFrame* frame, PerCpu* cpu, Esr esr)
    {
        DataAbort abort = DataAbort.Decode(esr.Value, Arch.ReadHpfar(), Arch.ReadFar());
        if (!abort.Valid)
            return false;
        HandleMmio(frame, cpu, abort);
        return true;
    }

    /// <summary>A trap no handler took: the report, with the guest-physical address of an abort, and the CPU stops.</summary>
    private static void StopUnhandled(TrapFrame* frame, PerCpu* cpu, Esr esr)
    {
        EnterFailed(cpu);
        DebugConsole.BeginLine(cpu->CpuId);
        Report("Unhandled trap", esr, frame->Elr);
        if (esr.Class == Esr.ClassDataAbortLower || esr.Class == Esr.ClassInstructionAbortLower)
            DebugConsole.Print(" guest-physical 0x%x", Hpfar.GuestPhysical(Arch.ReadHpfar(), Arch.ReadFar()));
        DebugConsole.Print("\nCPU %d stopped\n", cpu->CpuId);
        DebugConsole.EndLine();
        StopFailed(frame, cpu);
    }

    /// <summary>
    /// A trapped system instruction. Data cache maintenance by set/way works on the physical
    /// caches every cell shares: an invalidate could throw away another cell's (or the
    /// hypervisor's) dirty lines, so each of them is performed as clean and invalidate of the
    /// line it names, which keeps what the cell asked for (the line leaves the cache) without
    /// losing data. ACTLR_EL1 accesses (HCR_EL2.TAC) are not handled, as upstream: false.
    /// </summary>
    private static bool HandleSystemInstruction(TrapFrame* frame, PerCpu* cpu, Esr esr)
    {
        uint instruction = esr.SystemInstruction;
        if (!esr.SystemRead && (instruction == GicV3.Sgi1r || instruction == GicV3.Asgi1r || instruction == GicV3.Sgi0r))
        {
            // SGI registers trap with HCR_EL2.IMO/FMO: group 1 SGIs go to the sender's cell; the
            // secure (ASGI1R) and group 0 ones are not the cell's to send.
            if (instruction == GicV3.Sgi1r)
                GicV3.SendSgi(cpu->CpuId, cpu, esr.SystemRegister == 31 ? 0 : frame->X[esr.SystemRegister]);
            frame->Elr += 4;
            return true;
        }
        if (esr.SystemRead || (instruction != Esr.DcIsw && instruction != Esr.DcCsw && instruction != Esr.DcCisw))
            return false;
        uint register = esr.SystemRegister;
        Arch.CleanInvalidateBySetWay(register == 31 ? 0 : frame->X[register]);
        frame->Elr += 4;
        return true;
    }

    /// <summary>
    /// The start of every way a CPU stops for good (<see cref="CpuFailure"/>): it also gives back
    /// the arm64 locks it may hold (it may have stopped in the middle of a distributor write,
    /// CPU_ON or a cell call), so the other CPUs go on. False when it was stopping already.
    /// </summary>
    private static bool EnterFailed(PerCpu* cpu)
    {
        uint id = cpu->CpuId;
        GicDistributorTrap.ReleaseIfHeldBy(id);
        CpuOwnership.ReleaseIfHeldBy(id);
        ArchSetup.Hypercalls.ManagementLock.ReleaseIfHeldBy(id);
        return CpuFailure.Begin(cpu);
    }

    /// <summary>The end of a way a cell CPU stops: a non-root cell's CPU makes its cell failed and
    /// waits until the root cell starts or destroys the cell; a root cell CPU parks for good.</summary>
    private static void StopFailed(TrapFrame* frame, PerCpu* cpu)
    {
        if (cpu->OwnerCell != null)
        {
            CellCpus.WaitFailed(frame, cpu);
            return;
        }
        StopFailed(cpu);
    }

    /// <summary>The end of every way a CPU stops for good: its report is out, so it shows as
    /// failed (CPU_GET_INFO) only now, and it parks.</summary>
    private static void StopFailed(PerCpu* cpu)
    {
        CpuFailure.Finish(cpu);
        Arch.Park();
    }

    /// <summary>
    /// Performs a described stage-2 data abort through the cell's MMIO handlers and skips
    /// the instruction; an access no handler takes stops the CPU with upstream's FATAL line.
    /// </summary>
    private static void HandleMmio(TrapFrame* frame, PerCpu* cpu, in DataAbort abort)
    {
        cpu->Stats[PerCpu.StatVmexitsMmio]++;
        var access = new MmioAccess(abort.Address, abort.Size, abort.IsWrite,
            abort.IsWrite && abort.Register != DataAbort.ZeroRegister ? abort.StoreValue(frame->X[abort.Register]) : 0);
        access.Cpu = cpu->CpuId;
        // Each cell has its own handlers (sub-page regions, distributor, redistributors).
        Cell* cell = cpu->OwnerCell;
        int handled = cell == null ? ArchSetup.Mmio.Dispatch(&access) : cell->Mmio.Dispatch(&access);
        if (handled == MmioResult.Handled)
        {
            if (!abort.IsWrite && abort.Register != DataAbort.ZeroRegister)
                frame->X[abort.Register] = abort.LoadResult(access.Value);
            frame->Elr += 4;
            return;
        }
        EnterFailed(cpu);
        DebugConsole.BeginLine(cpu->CpuId);
        DebugConsole.Print(abort.IsWrite ? "FATAL: Invalid MMIO write, addr: 0x%016x size: %d\n" : "FATAL: Invalid MMIO read, addr: 0x%016x size: %d\n",
            abort.Address, abort.Size);
        byte* cellName = cpu->OwnerCell != null ? cpu->OwnerCell->Desc.Name : ArchSetup.Hypercalls.Config.RootCellName;
        DebugConsole.Print("Cell \"%s\", CPU %d, ELR 0x%x: CPU %d stopped\n", (ulong)cellName, cpu->CpuId, frame->Elr, cpu->CpuId);
        DebugConsole.EndLine();
        StopFailed(frame, cpu);
    }

    /// <summary>A trapped SMC returns to the instruction itself: skip it, then answer per <see cref="SmcCalls"/>.</summary>
    private static void HandleSmc(TrapFrame* frame, PerCpu* cpu)
    {
        frame->Elr += 4;
        FirmwareFeatures* firmware = ArchSetup.Firmware(cpu);
        uint function = (uint)frame->X[0];
        if (cpu->OwnerCell != null && (function == SmcCalls.PsciSystemOff || function == SmcCalls.PsciSystemReset))
        {
            // A non-root cell turns off or resets only itself (the root cell's calls stay refused).
            CellCpus.ShutDownCell(frame, cpu);
            return;
        }
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
            // Wait in the hypervisor until the cell turns this CPU on again (or, for the root
            // cell, until a new cell gets it and starts), then start it where that said. Its
            // pending interrupts go back to the physical GIC first.
            Irqchip.ResetCpu(cpu->CpuId, cpu);
            PsciEmulation.CpuOff(cpu);
            CellCpus.WaitForStart(frame, cpu);
            return;
        }
        // SMC32 calls pass 32-bit arguments: the cell's bits 63:32 are not part of them.
        PerCpu* target = CellCpu(cpu, SmcCalls.Argument(function, frame->X[1]));
        frame->X[0] = unchecked((ulong)(function == SmcCalls.PsciAffinityInfo32 || function == SmcCalls.PsciAffinityInfo64
            ? PsciEmulation.AffinityInfo(target)
            : PsciEmulation.CpuOn(cpu->CpuId, cpu->OwnerCell, target, SmcCalls.Argument(function, frame->X[2]), SmcCalls.Argument(function, frame->X[3]))));
    }

    /// <summary>The per-CPU area of the CPU with this MPIDR if it belongs to the caller's cell, or null.</summary>
    private static PerCpu* CellCpu(PerCpu* caller, ulong mpidr)
    {
        ref HypercallContext context = ref ArchSetup.Hypercalls;
        long id = CpuAffinity.CpuOf(*ArchSetup.Affinities, mpidr);
        if (id < 0 || id >= context.MaxCpus || !context.Config.HasCpu((uint)id))
            return null;
        PerCpu* target = context.Cpu((uint)id);
        return target->OwnerCell == caller->OwnerCell ? target : null;
    }

    [RuntimeExport("arch_unexpected_exception")]
    public static void Unexpected(TrapFrame* frame)
    {
        PerCpu* cpu = Arch.CurrentCpu();
        EnterFailed(cpu);
        DebugConsole.BeginLine(cpu->CpuId);
        Report("Unexpected exception from a cell", new Esr(Arch.ReadEsr()), frame->Elr);
        DebugConsole.Print("\nCPU %d stopped\n", cpu->CpuId);
        DebugConsole.EndLine();
        StopFailed(cpu);
    }

    /// <summary>
    /// An exception taken at EL2: a hypervisor bug. The CPU stops for good; if the fault hit it
    /// while it held a lock (a second fault while reporting the first, too), the lock is given
    /// back first so the other CPUs and their console lines go on.
    /// </summary>
    [RuntimeExport("arch_hypervisor_fault")]
    public static void HypervisorFault(ulong stackPointer)
    {
        PerCpu* cpu = Arch.CurrentCpu();
        if (!EnterFailed(cpu))
            StopFailed(cpu);            // faulted while reporting: stay quiet
        DebugConsole.BeginLine(cpu->CpuId);
        Report("Hypervisor fault", new Esr(Arch.ReadEsr()), 0);
        DebugConsole.Print(" FAR 0x%x SP 0x%x\nCPU %d stopped\n", Arch.ReadFar(), stackPointer, cpu->CpuId);
        DebugConsole.EndLine();
        StopFailed(cpu);
    }

    private static void Report(string what, Esr esr, ulong elr)
    {
        DebugConsole.Write(what);
        DebugConsole.Print(": EC 0x%x ESR 0x%x ELR 0x%x", esr.Class, esr.Value, elr);
    }
}
