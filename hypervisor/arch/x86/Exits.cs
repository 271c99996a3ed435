using System.Runtime;

namespace Jailhouse.Hypervisor;

/// <summary>
/// VM exits of a root-cell CPU (upstream's vmx.c vcpu_handle_exit, our own code): CPUID (the
/// hypervisor bit and Jailhouse's leaves, VMX hidden), the MSRs the bitmap traps, CR4 writes
/// (VMXE stays set underneath), XSETBV, port I/O outside the cell's PIO list (the PCI
/// configuration ports are filtered, anything else stops the cell: "Invalid PIO"), EPT
/// violations (MMIO dispatch: sub-page regions, MMCONFIG, the xAPIC page and the IOAPICs,
/// else "Invalid MMIO/RAM"), VMCALL (hypercalls; disable leaves VMX), INIT and SIPI (only the
/// hypervisor sends INIT; the CPU then waits in the hypervisor for its SIPI, <see cref="X86InitSipi"/>). Anything else stops the CPU with a report.
/// </summary>
internal static unsafe class Exits
{
    private const uint CpuidHypervisorBit = 1u << 31;
    private const uint CpuidVmxBit = 1u << 5;
    public const uint CpuidJailhouseSignature = 0x40000000;
    public const uint CpuidJailhouseFeatures = 0x40000001;

    [RuntimeExport("x86_handle_exit")]
    public static void Handle(ulong* registers, PerCpu* cpu)
    {
        Dispatch(registers, cpu);
        HostExceptions.InjectPendingNmi(cpu);
    }

    private static void Dispatch(ulong* registers, PerCpu* cpu)
    {
        cpu->Stats[PerCpu.StatVmexitsTotal]++;
        uint reason = (uint)Arch.VmRead(Vmcs.ExitReason) & 0xffff;
        switch (reason)
        {
            case Vmcs.ExitReasonVmcall:
                HandleHypercall(registers, cpu);
                return;
            case Vmcs.ExitReasonCpuid:
                cpu->Stats[X86Stats.Cpuid]++;
                HandleCpuid(registers);
                SkipInstruction();
                return;
            case Vmcs.ExitReasonRdmsr:
            case Vmcs.ExitReasonWrmsr:
                if (HandleMsr(registers, cpu, reason == Vmcs.ExitReasonWrmsr))
                {
                    SkipInstruction();
                    return;
                }
                Stop(cpu, null);
                return;
            case Vmcs.ExitReasonCrAccess:
                cpu->Stats[X86Stats.Cr]++;
                if (HandleCrAccess(registers, cpu))
                {
                    SkipInstruction();
                    return;
                }
                break;
            case Vmcs.ExitReasonXsetbv:
                if ((uint)registers[X86Registers.Rcx] == 0 && Arch.Xsetbv(0, (registers[X86Registers.Rdx] << 32) | (uint)registers[X86Registers.Rax]) == 0)
                {
                    SkipInstruction();
                    return;
                }
                Stop(cpu, "FATAL: Invalid XSETBV\n");
                return;
            case Vmcs.ExitReasonIo:
                cpu->Stats[X86Stats.Pio]++;
                HandleIo(registers, cpu);
                return;
            case Vmcs.ExitReasonEptViolation:
                // Upstream counts the trapped xAPIC page apart (its APIC-access exits).
                if ((Arch.VmRead(Vmcs.GuestPhysicalAddress) & ~(PagePool.PageSize - 1)) == X86Apic.XapicBase)
                    cpu->Stats[X86Stats.Xapic]++;
                else
                    cpu->Stats[PerCpu.StatVmexitsMmio]++;
                HandleEptViolation(registers, cpu);
                return;
            case Vmcs.ExitReasonInit:
            {
                // A cell CPU's INIT, delivered by the hypervisor (CPU hotplug: INIT, then SIPI):
                // the CPU waits here until a SIPI records where it starts (X86InitSipi).
                cpu->Stats[PerCpu.StatVmexitsManagement]++;
                X86InitSipi.InitArrived(cpu);
                int vector;
                while ((vector = X86InitSipi.TakeSipi(cpu)) < 0)
                {
                    while (!X86InitSipi.SipiPending(cpu))
                    {
                    }
                }
                DebugConsole.BeginLine(cpu->CpuId);
                DebugConsole.Print("CPU %d received SIPI, vector %x\n", cpu->CpuId, (ulong)vector);
                DebugConsole.EndLine();
                if (!Vmx.ResetToSipiVector(cpu, (uint)vector))
                    Stop(cpu, "FATAL: CPU reset failed\n");
                return;
            }
            case Vmcs.ExitReasonSipi:
                // Only a parked CPU waits for SIPI in the guest, and no SIPI is for it.
                cpu->Stats[PerCpu.StatVmexitsManagement]++;
                Arch.VmWrite(Vmcs.GuestActivityState, Vmcs.ActivityWaitForSipi);
                return;
            case Vmcs.ExitReasonTripleFault:
                Stop(cpu, "FATAL: triple fault in the cell\n");
                return;
        }
        DebugConsole.BeginLine(cpu->CpuId);
        DebugConsole.Print("FATAL: Unhandled VM exit, reason %d, qualification 0x%x\n", reason, Arch.VmRead(Vmcs.ExitQualification));
        DebugConsole.EndLine();
        Stop(cpu, null);
    }

    private static void SkipInstruction() =>
        Arch.VmWrite(Vmcs.GuestRip, Arch.VmRead(Vmcs.GuestRip) + Arch.VmRead(Vmcs.ExitInstructionLength));

    private static void HandleHypercall(ulong* registers, PerCpu* cpu)
    {
        ref HypercallContext context = ref ArchSetup.Hypercalls;
        ulong code = registers[X86Registers.Rax];
        long result = Hypercalls.Dispatch(ref context, cpu->CpuId, code, registers[X86Registers.Rdi], registers[X86Registers.Rsi]);
        registers[X86Registers.Rax] = unchecked((ulong)result);
        if (code == Hypercalls.Disable && result == 0)
        {
            DebugConsole.BeginLine(cpu->CpuId);
            DebugConsole.Print("Hypervisor disabled on CPU %d\n", cpu->CpuId);
            DebugConsole.EndLine();
            Vmx.LeaveToGuest(cpu, registers);
        }
        SkipInstruction();
    }

    private static void HandleCpuid(ulong* registers)
    {
        uint leaf = (uint)registers[X86Registers.Rax];
        uint subleaf = (uint)registers[X86Registers.Rcx];
        uint* values = stackalloc uint[4];
        if (leaf == CpuidJailhouseSignature)
        {
            values[0] = CpuidJailhouseFeatures;
            values[1] = 0x6c69614a; // "Jail"
            values[2] = 0x73756f68; // "hous"
            values[3] = 0x00000065; // "e"
        }
        else if (leaf == CpuidJailhouseFeatures)
        {
            values[0] = values[1] = values[2] = values[3] = 0;
        }
        else
        {
            Arch.Cpuid(leaf, subleaf, values);
            if (leaf == 1)
                values[2] = (values[2] | CpuidHypervisorBit) & ~CpuidVmxBit;
        }
        registers[X86Registers.Rax] = values[0];
        registers[X86Registers.Rbx] = values[1];
        registers[X86Registers.Rcx] = values[2];
        registers[X86Registers.Rdx] = values[3];
    }

    /// <summary>The MSRs the bitmap traps; false (after the report) stops the cell.</summary>
    private static bool HandleMsr(ulong* registers, PerCpu* cpu, bool isWrite)
    {
        uint msr = (uint)registers[X86Registers.Rcx];
        bool vmx = msr >= X86Bitmaps.MsrVmxFirst && msr <= X86Bitmaps.MsrVmxLast;
        if (isWrite)
        {
            ulong value = (registers[X86Registers.Rdx] << 32) | (uint)registers[X86Registers.Rax];
            if (msr == X86Bitmaps.MsrX2ApicIcr)
                return X86InterruptHardware.X2apicIcrWrite(cpu->CpuId, (uint)value, (uint)(value >> 32));
            if (msr == X86Bitmaps.MsrApicBase && !X86InterruptHardware.ApicBaseWriteAllowed(value))
            {
                // The APIC emulation depends on the mode and the page address.
                DebugConsole.BeginLine(cpu->CpuId);
                DebugConsole.Print("FATAL: Unsupported APIC base write: %x\n", value);
                DebugConsole.EndLine();
                return false;
            }
            // Feature control is locked and VMX is the hypervisor's: those writes vanish.
            if (msr != X86Bitmaps.MsrFeatureControl && !vmx)
                Arch.WriteMsr(msr, value);
            return true;
        }
        ulong read = vmx ? 0 : Arch.ReadMsr(msr);
        registers[X86Registers.Rax] = (uint)read;
        registers[X86Registers.Rdx] = read >> 32;
        return true;
    }

    /// <summary>MOV to CR0 or CR4 (the accesses the masks trap): the bits VMX fixes (CR4.VMXE,
    /// CR0.NE) stay set underneath, the guest reads back what it wrote.</summary>
    private static bool HandleCrAccess(ulong* registers, PerCpu* cpu)
    {
        ulong qualification = Arch.VmRead(Vmcs.ExitQualification);
        uint cr = (uint)qualification & 0xf;
        uint type = (uint)(qualification >> 4) & 3;
        int register = (int)(qualification >> 8) & 0xf;
        if ((cr != 0 && cr != 4) || type != 0)
            return false;
        ulong value = register == X86Registers.Rsp ? Arch.VmRead(Vmcs.GuestRsp) : registers[register];
        if (cr == 0)
        {
            Vmx.WriteGuestCr0(cpu, value);
            return true;
        }
        if ((value & Vmx.Cr4VmxEnable) != 0)
            return false;
        Arch.VmWrite(Vmcs.GuestCr4, value | Vmx.Cr4VmxEnable);
        Arch.VmWrite(Vmcs.Cr4ReadShadow, value);
        return true;
    }

    private static void HandleIo(ulong* registers, PerCpu* cpu)
    {
        ulong qualification = Arch.VmRead(Vmcs.ExitQualification);
        uint size = ((uint)qualification & 7) + 1;
        bool isIn = (qualification & (1 << 3)) != 0;
        bool isString = (qualification & (1 << 4)) != 0;
        ushort port = (ushort)(qualification >> 16);
        if (!isString && port >= X86Bitmaps.PciAddressPort && port < X86Bitmaps.PciAddressPort + 8)
        {
            ulong value = isIn ? 0 : registers[X86Registers.Rax] & ((1UL << (int)(8 * size)) - 1);
            uint address = (uint)cpu->ArchData[X86PerCpu.PciAddressPort];
            if (X86PciPorts.HandlePort(ArchSetup.Config, ref address, port, size, !isIn, ref value))
            {
                cpu->ArchData[X86PerCpu.PciAddressPort] = address;
                if (isIn)
                {
                    ulong mask = (1UL << (int)(8 * size)) - 1;
                    registers[X86Registers.Rax] = (registers[X86Registers.Rax] & ~mask) | (value & mask);
                    if (size == 4)
                        registers[X86Registers.Rax] &= 0xffff_ffff;
                }
                SkipInstruction();
                return;
            }
            // Upstream's lines (hexadecimal without prefix), which `jailhouse diagnose` reads.
            DebugConsole.BeginLine(cpu->CpuId);
            DebugConsole.Print(isIn ? "FATAL: Invalid PCI config read, port: %x, size %d, address port: %x\n"
                : "FATAL: Invalid PCI config write, port: %x, size %d, address port: %x\n", port, size, address);
            DebugConsole.EndLine();
            Stop(cpu, null);
            return;
        }
        DebugConsole.BeginLine(cpu->CpuId);
        DebugConsole.Print(isIn ? "FATAL: Invalid PIO read, port: %x size: %d\n" : "FATAL: Invalid PIO write, port: %x size: %d\n",
            port, size);
        DebugConsole.EndLine();
        Stop(cpu, null);
    }

    private static void HandleEptViolation(ulong* registers, PerCpu* cpu)
    {
        ulong qualification = Arch.VmRead(Vmcs.ExitQualification);
        ulong address = Arch.VmRead(Vmcs.GuestPhysicalAddress);
        bool isWrite = (qualification & 2) != 0;
        byte* code = stackalloc byte[16];
        uint fetched = X86GuestMemory.FetchInstruction(Arch.VmRead(Vmcs.GuestCr3), Arch.VmRead(Vmcs.GuestRip), code, 15);
        X86MmioInstruction instruction = X86MmioDecoder.Decode(code, fetched);
        if (instruction.Length != 0 && instruction.IsWrite == isWrite && (qualification & 4) == 0)
        {
            ulong value = 0;
            if (isWrite)
                value = instruction.Register < 0 ? instruction.Immediate : registers[instruction.Register];
            if (instruction.Size < 8)
                value &= (1UL << (int)(8 * instruction.Size)) - 1;
            var access = new MmioAccess(address, instruction.Size, isWrite, value);
            access.Cpu = cpu->CpuId;
            int result = ArchSetup.Mmio.Dispatch(&access);
            if (result == MmioResult.Handled)
            {
                if (!isWrite)
                    WriteRegister(registers, instruction, access.Value);
                Arch.VmWrite(Vmcs.GuestRip, Arch.VmRead(Vmcs.GuestRip) + instruction.Length);
                return;
            }
            if (result == MmioResult.Error)
            {
                // The handler printed its own FATAL line (upstream reports only unhandled accesses).
                Stop(cpu, null);
                return;
            }
        }
        DebugConsole.BeginLine(cpu->CpuId);
        DebugConsole.Print(isWrite ? "FATAL: Invalid MMIO/RAM write, addr: 0x%x size: %d\n" : "FATAL: Invalid MMIO/RAM read, addr: 0x%x size: %d\n",
            address, instruction.Size);
        DebugConsole.EndLine();
        Stop(cpu, null);
    }

    private static void WriteRegister(ulong* registers, in X86MmioInstruction instruction, ulong value)
    {
        if (instruction.Register < 0)
            return;
        if (instruction.ZeroExtend || instruction.Size == 8)
        {
            registers[instruction.Register] = value;
            return;
        }
        // 8- and 16-bit loads leave the rest of the register as it was.
        ulong mask = (1UL << (int)(8 * instruction.Size)) - 1;
        registers[instruction.Register] = (registers[instruction.Register] & ~mask) | (value & mask);
    }

    /// <summary>
    /// Stops this CPU for good after printing <paramref name="reason"/> (if any) and where the
    /// cell was. As upstream, the CPU is parked in the guest, waiting for a SIPI that it then
    /// ignores: NMIs are held off there, and Linux sends one to a CPU that stopped answering
    /// (RCU stall backtraces) -- halted in the host it would take it, in the guest it does not.
    /// Failed (CPU_GET_INFO) only once the report is out, so whoever sees it failed finds it.
    /// </summary>
    private static void Stop(PerCpu* cpu, string reason)
    {
        CpuFailure.Begin(cpu);
        DebugConsole.BeginLine(cpu->CpuId);
        if (reason is not null)
            DebugConsole.Write(reason);
        DebugConsole.Print("RIP: 0x%x RSP: 0x%x FLAGS: 0x%x\n", Arch.VmRead(Vmcs.GuestRip), Arch.VmRead(Vmcs.GuestRsp), Arch.VmRead(Vmcs.GuestRflags));
        DebugConsole.Print("Parking CPU %d (Cell: \"%s\")\n", cpu->CpuId, (ulong)ArchSetup.Config.RootCellName);
        DebugConsole.EndLine();
        CpuFailure.Finish(cpu);
        X86InitSipi.Park(cpu);
        if ((Arch.ReadMsr(Msr.VmxMisc) & Msr.VmxMiscWaitForSipi) == 0)
            Arch.Park();
        // No event may be injected into a CPU that waits for SIPI.
        Arch.VmWrite(Vmcs.EntryInterruptionInfo, 0);
        Arch.VmWrite(Vmcs.GuestActivityState, Vmcs.ActivityWaitForSipi);
    }
}

/// <summary>The x86 per-CPU statistics beyond the generic four, at upstream's indices
/// (JAILHOUSE_CPU_STAT_VMEXITS_PIO ...); MSR and XSETBV exits only count in the total, as
/// the per-CPU area has eight counters.</summary>
internal static class X86Stats
{
    public const int Pio = 4;
    public const int Xapic = 5;
    public const int Cr = 6;
    public const int Cpuid = 7;
}
