using System.Runtime;

namespace Jailhouse.Hypervisor;

/// <summary>
/// VM exits of a root-cell CPU: VMCALL is a hypercall (code in RAX, arguments RDI and RSI,
/// result in RAX); every other exit is not handled yet and stops the CPU with a report.
/// </summary>
internal static unsafe class Exits
{
    [RuntimeExport("x86_handle_exit")]
    public static void Handle(ulong* registers, PerCpu* cpu)
    {
        cpu->Stats[PerCpu.StatVmexitsTotal]++;
        uint reason = (uint)Arch.VmRead(Vmcs.ExitReason) & 0xffff;
        if (reason == Vmcs.ExitReasonVmcall)
        {
            ref HypercallContext context = ref ArchSetup.Hypercalls;
            registers[X86Registers.Rax] = unchecked((ulong)Hypercalls.Dispatch(ref context, cpu->CpuId,
                registers[X86Registers.Rax], registers[X86Registers.Rdi], registers[X86Registers.Rsi]));
            Arch.VmWrite(Vmcs.GuestRip, Arch.VmRead(Vmcs.GuestRip) + Arch.VmRead(Vmcs.ExitInstructionLength));
            return;
        }
        DebugConsole.Write("Unhandled VM exit, reason ");
        DebugConsole.WriteDecimal(reason);
        DebugConsole.Write(", qualification ");
        DebugConsole.WriteHex(Arch.VmRead(Vmcs.ExitQualification));
        DebugConsole.Write(", RIP ");
        DebugConsole.WriteHex(Arch.VmRead(Vmcs.GuestRip));
        DebugConsole.Write("\nCPU ");
        DebugConsole.WriteDecimal(cpu->CpuId);
        DebugConsole.Write(" stopped\n");
        Arch.Park();
    }
}
