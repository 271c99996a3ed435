namespace Jailhouse.Hypervisor;

/// <summary>
/// VMX on one CPU: capability checks, VMXON, and a VMCS that runs the calling Linux as the
/// root cell's guest: host state = this CPU's hypervisor context, guest state = the state the
/// driver called us in (segments from its GDT, control registers, the return address and
/// stack of the entry call), EPT = the root cell's tables. Runs in Bochs (QEMU's TCG has no VT-x).
/// </summary>
internal static unsafe class Vmx
{
    private const uint CpuidVmx = 1 << 5;
    private const ulong Cr4Vmxe = 1 << 13;
    public const ulong Cr4VmxEnable = Cr4Vmxe;
    private const ulong Cr0ProtectionEnable = 1 << 0;
    private const ulong Cr0Paging = 1UL << 31;
    private const ulong Cr0ResetValue = (1 << 30) | (1 << 29) | (1 << 4); // CD, NW, ET
    private const ulong EferLongModeEnable = 1 << 8;
    private const ulong EferLongModeActive = 1 << 10;

    public static int Enable(PerCpu* cpu, ref PagePool pool)
    {
        uint* registers = stackalloc uint[4];
        Arch.Cpuid(1, 0, registers);
        if ((registers[2] & CpuidVmx) == 0)
            return Errno.ENODEV;

        ulong featureControl = Arch.ReadMsr(Msr.FeatureControl);
        if ((featureControl & Msr.FeatureControlLocked) == 0)
            Arch.WriteMsr(Msr.FeatureControl, featureControl | Msr.FeatureControlLocked | Msr.FeatureControlVmxOutsideSmx);
        else if ((featureControl & Msr.FeatureControlVmxOutsideSmx) == 0)
            return Errno.ENODEV; // the firmware locked VMX off

        ulong cr0 = Arch.ReadCr0();
        if ((cr0 & Arch.ReadMsr(Msr.VmxCr0Fixed0)) != Arch.ReadMsr(Msr.VmxCr0Fixed0) || (cr0 & ~Arch.ReadMsr(Msr.VmxCr0Fixed1)) != 0)
            return Errno.EIO;
        Arch.WriteCr4((Arch.ReadCr4() | Cr4Vmxe | Arch.ReadMsr(Msr.VmxCr4Fixed0)) & Arch.ReadMsr(Msr.VmxCr4Fixed1));

        uint revision = (uint)Arch.ReadMsr(Msr.VmxBasic) & 0x7fff_ffff;
        void* vmxon = pool.Allocate();
        void* vmcs = pool.Allocate();
        if (vmxon == null || vmcs == null)
            return Errno.ENOMEM;
        *(uint*)vmxon = revision;
        *(uint*)vmcs = revision;
        cpu->ArchData[X86PerCpu.VmxonRegion] = pool.ToPhys(vmxon);
        cpu->ArchData[X86PerCpu.VmcsRegion] = pool.ToPhys(vmcs);
        if (Arch.VmxOn(&cpu->ArchData[X86PerCpu.VmxonRegion]) != 0)
            return Errno.EIO;
        if (Arch.VmClear(&cpu->ArchData[X86PerCpu.VmcsRegion]) != 0 || Arch.VmPtrLoad(&cpu->ArchData[X86PerCpu.VmcsRegion]) != 0)
        {
            Arch.VmxOff();
            return Errno.EIO;
        }
        return 0;
    }

    /// <summary>What the VMCS needs from the global set-up: host tables, EPT, bitmaps.</summary>
    public struct Tables
    {
        public ulong HostCr3;
        public ulong EptPointer;
        public ulong IoBitmapA;
        public ulong IoBitmapB;
        public ulong MsrBitmap;
    }

    /// <summary>This CPU's host descriptor tables (<see cref="X86HostDescriptors"/>), hypervisor addresses.</summary>
    public struct HostTables
    {
        public ulong Gdt;
        public ulong Idt;
        /// <summary>Room for the GDT copy that leaving VMX loads Linux's TR from.</summary>
        public ulong LeaveScratch;
    }

    /// <summary>Fills the loaded VMCS; <paramref name="callerStack"/> is Linux's stack pointer
    /// after arch_entry pushed rflags, rbp, rbx, r12-r15 (the return address is above them).</summary>
    public static int SetupVmcs(PerCpu* cpu, in Tables tables, in HostTables host, ulong* callerStack)
    {
        int errors = 0;
        errors |= Arch.VmWrite(Vmcs.PinBasedControls, Vmcs.AdjustControls(0, Arch.ReadMsr(Msr.VmxTruePinBased)));
        errors |= Arch.VmWrite(Vmcs.ProcessorBasedControls, Vmcs.AdjustControls(
            Vmcs.ProcessorSecondaryControls | Vmcs.ProcessorUseIoBitmaps | Vmcs.ProcessorUseMsrBitmaps, Arch.ReadMsr(Msr.VmxTrueProcBased)));
        // RDTSCP, INVPCID and XSAVES would raise #UD in the guest unless enabled here.
        uint secondary = Vmcs.AdjustControls(Vmcs.SecondaryEnableEpt | Vmcs.SecondaryUnrestrictedGuest | Vmcs.SecondaryEnableVpid
            | Vmcs.SecondaryEnableRdtscp | Vmcs.SecondaryEnableInvpcid | Vmcs.SecondaryEnableXsaves, Arch.ReadMsr(Msr.VmxProcBased2));
        if ((secondary & (Vmcs.SecondaryEnableEpt | Vmcs.SecondaryUnrestrictedGuest)) != (Vmcs.SecondaryEnableEpt | Vmcs.SecondaryUnrestrictedGuest))
            return Errno.ENODEV;
        errors |= Arch.VmWrite(Vmcs.SecondaryControls, secondary);
        if ((secondary & Vmcs.SecondaryEnableVpid) != 0)
            errors |= Arch.VmWrite(Vmcs.Vpid, 1);
        errors |= Arch.VmWrite(Vmcs.ExitControls, Vmcs.AdjustControls(Vmcs.ExitHostAddressSpaceSize | Vmcs.ExitSaveEfer | Vmcs.ExitLoadEfer, Arch.ReadMsr(Msr.VmxTrueExit)));
        errors |= Arch.VmWrite(Vmcs.EntryControls, Vmcs.AdjustControls(Vmcs.EntryIa32eMode | Vmcs.EntryLoadEfer, Arch.ReadMsr(Msr.VmxTrueEntry)));
        errors |= Arch.VmWrite(Vmcs.ExceptionBitmap, 0);
        errors |= Arch.VmWrite(Vmcs.EptPointer, tables.EptPointer);
        errors |= Arch.VmWrite(Vmcs.IoBitmapA, tables.IoBitmapA);
        errors |= Arch.VmWrite(Vmcs.IoBitmapB, tables.IoBitmapB);
        errors |= Arch.VmWrite(Vmcs.MsrBitmap, tables.MsrBitmap);
        errors |= Arch.VmWrite(Vmcs.VmcsLinkPointer, ~0UL);

        // Guest state below: this CPU as Linux called us.
        ushort* selectors = stackalloc ushort[8];
        Arch.ReadSelectors(selectors);
        byte* gdtr = stackalloc byte[10];
        byte* idtr = stackalloc byte[10];
        Arch.StoreGdt(gdtr);
        Arch.StoreIdt(idtr);
        byte* gdt = *(byte**)(gdtr + 2);
        ulong efer = Arch.ReadMsr(Msr.Efer);
        ulong cr0 = Arch.ReadCr0();
        ulong cr4 = Arch.ReadCr4();

        // Host: our page tables and descriptor tables (nothing of Linux's), entering
        // x86_vmx_exit on the per-CPU stack with GS pointing at the per-CPU area (exceptions.S
        // counts NMIs there). The data selectors are null, as a 64-bit host may have them.
        errors |= Arch.VmWrite(Vmcs.HostCr0, cr0);
        errors |= Arch.VmWrite(Vmcs.HostCr3, tables.HostCr3);
        errors |= Arch.VmWrite(Vmcs.HostCr4, cr4);
        for (ulong i = 0; i < 7; i++)
            errors |= Arch.VmWrite(Vmcs.HostEsSelector + 2 * i, 0);
        errors |= Arch.VmWrite(Vmcs.HostEsSelector + 2, X86HostDescriptors.CodeSelector);
        errors |= Arch.VmWrite(Vmcs.HostEsSelector + 12, X86HostDescriptors.TssSelector);
        errors |= Arch.VmWrite(Vmcs.HostFsBase, 0);
        errors |= Arch.VmWrite(Vmcs.HostGsBase, (ulong)cpu);
        errors |= Arch.VmWrite(Vmcs.HostTrBase, host.Gdt + X86HostDescriptors.TssOffset);
        errors |= Arch.VmWrite(Vmcs.HostGdtrBase, host.Gdt);
        errors |= Arch.VmWrite(Vmcs.HostIdtrBase, host.Idt);
        errors |= Arch.VmWrite(Vmcs.HostSysenterCs, 0);
        errors |= Arch.VmWrite(Vmcs.HostSysenterEsp, 0);
        errors |= Arch.VmWrite(Vmcs.HostSysenterEip, 0);
        errors |= Arch.VmWrite(Vmcs.HostIa32Efer, efer);
        errors |= Arch.VmWrite(Vmcs.HostRsp, (ulong)cpu + PerCpu.AreaSize);
        errors |= Arch.VmWrite(Vmcs.HostRip, Arch.VmxExitAddress());
        cpu->ArchData[X86PerCpu.LeaveScratch] = host.LeaveScratch;

        // Guest: Linux continuing after its entry() call returned 0.
        for (int i = 0; i < 8; i++)
        {
            X86Segment segment = X86Segment.FromGdt(gdt, selectors[i]);
            errors |= Arch.VmWrite(Vmcs.GuestEsSelector + (ulong)(2 * i), segment.Selector);
            errors |= Arch.VmWrite(Vmcs.GuestEsLimit + (ulong)(2 * i), segment.Limit);
            errors |= Arch.VmWrite(Vmcs.GuestEsAccessRights + (ulong)(2 * i), segment.AccessRights);
            ulong baseAddress = i == 4 ? Arch.ReadMsr(Msr.FsBase) : i == 5 ? Arch.ReadMsr(Msr.GsBase) : segment.Base;
            errors |= Arch.VmWrite(Vmcs.GuestEsBase + (ulong)(2 * i), baseAddress);
        }
        errors |= Arch.VmWrite(Vmcs.GuestGdtrBase, (ulong)gdt);
        errors |= Arch.VmWrite(Vmcs.GuestGdtrLimit, *(ushort*)gdtr);
        errors |= Arch.VmWrite(Vmcs.GuestIdtrBase, *(ulong*)(idtr + 2));
        errors |= Arch.VmWrite(Vmcs.GuestIdtrLimit, *(ushort*)idtr);
        errors |= Arch.VmWrite(Vmcs.GuestCr0, cr0);
        errors |= Arch.VmWrite(Vmcs.GuestCr3, cpu->ArchData[X86PerCpu.LinuxCr3]);
        errors |= Arch.VmWrite(Vmcs.GuestCr4, cr4);
        // CR0 bits VMX fixes are the hypervisor's (a reset CPU's cell sees them as it set them).
        cpu->ArchData[X86PerCpu.Cr0Required1] = Arch.ReadMsr(Msr.VmxCr0Fixed0) & ~(Cr0ProtectionEnable | Cr0Paging);
        cpu->ArchData[X86PerCpu.Cr0Maybe1] = Arch.ReadMsr(Msr.VmxCr0Fixed1);
        errors |= Arch.VmWrite(Vmcs.Cr0GuestHostMask, cpu->ArchData[X86PerCpu.Cr0Required1] | ~cpu->ArchData[X86PerCpu.Cr0Maybe1]);
        errors |= Arch.VmWrite(Vmcs.Cr0ReadShadow, cr0);
        errors |= Arch.VmWrite(Vmcs.Cr4GuestHostMask, Cr4Vmxe);
        errors |= Arch.VmWrite(Vmcs.Cr4ReadShadow, cr4 & ~Cr4Vmxe);
        errors |= Arch.VmWrite(Vmcs.GuestIa32Efer, efer);
        errors |= Arch.VmWrite(Vmcs.GuestSysenterCs, Arch.ReadMsr(Msr.SysenterCs));
        errors |= Arch.VmWrite(Vmcs.GuestSysenterEsp, Arch.ReadMsr(Msr.SysenterEsp));
        errors |= Arch.VmWrite(Vmcs.GuestSysenterEip, Arch.ReadMsr(Msr.SysenterEip));
        errors |= Arch.VmWrite(Vmcs.GuestDr7, 0x400);
        errors |= Arch.VmWrite(Vmcs.GuestDebugCtl, 0);
        errors |= Arch.VmWrite(Vmcs.GuestPendingDebugExceptions, 0);
        // The caller's flags as arch_entry found them (interrupts off in the driver's IPI).
        errors |= Arch.VmWrite(Vmcs.GuestRflags, callerStack[6]);
        errors |= Arch.VmWrite(Vmcs.GuestRip, callerStack[7]);
        errors |= Arch.VmWrite(Vmcs.GuestRsp, (ulong)(callerStack + 8));
        errors |= Arch.VmWrite(Vmcs.GuestActivityState, Vmcs.ActivityActive);
        errors |= Arch.VmWrite(Vmcs.GuestInterruptibility, 0);

        // The registers Linux expects back: entry() returns 0, callee-saved as pushed.
        ulong* guest = cpu->GuestRegisters;
        for (int i = 0; i < 16; i++)
            guest[i] = 0;
        guest[X86Registers.R15] = callerStack[0];
        guest[X86Registers.R14] = callerStack[1];
        guest[X86Registers.R13] = callerStack[2];
        guest[X86Registers.R12] = callerStack[3];
        guest[X86Registers.Rbx] = callerStack[4];
        guest[X86Registers.Rbp] = callerStack[5];
        return errors == 0 ? 0 : Errno.EIO;
    }

    /// <summary>
    /// The cell's MOV to CR0 (it changed a bit VMX fixes, against the read shadow): the CPU keeps
    /// the fixed bits, the cell reads back its value. Turning on paging with EFER.LME set enters
    /// IA-32e mode, which VMX leaves to the hypervisor here (EFER.LMA and the entry control).
    /// </summary>
    public static void WriteGuestCr0(PerCpu* cpu, ulong value)
    {
        Arch.VmWrite(Vmcs.GuestCr0, (value & cpu->ArchData[X86PerCpu.Cr0Maybe1]) | cpu->ArchData[X86PerCpu.Cr0Required1]);
        Arch.VmWrite(Vmcs.Cr0ReadShadow, value);
        ulong efer = Arch.VmRead(Vmcs.GuestIa32Efer);
        if ((value & Cr0Paging) == 0 || (efer & (EferLongModeEnable | EferLongModeActive)) != EferLongModeEnable)
            return;
        Arch.VmWrite(Vmcs.GuestIa32Efer, efer | EferLongModeActive);
        Arch.VmWrite(Vmcs.EntryControls, Arch.VmRead(Vmcs.EntryControls) | Vmcs.EntryIa32eMode);
    }

    /// <summary>
    /// The CPU after INIT and a SIPI with <paramref name="vector"/> (upstream's vcpu_reset):
    /// real mode at vector * 4 KiB (unrestricted guest), CR0 = CD | NW | ET as the cell sees it,
    /// no paging, flat 64 KiB segments, registers, EFER and the IA-32e entry control cleared.
    /// False if the VMCS refused a field.
    /// </summary>
    public static bool ResetToSipiVector(PerCpu* cpu, uint vector)
    {
        int errors = 0;
        errors |= Arch.VmWrite(Vmcs.GuestCr0, (Cr0ResetValue & cpu->ArchData[X86PerCpu.Cr0Maybe1]) | cpu->ArchData[X86PerCpu.Cr0Required1]);
        errors |= Arch.VmWrite(Vmcs.Cr0ReadShadow, Cr0ResetValue);
        errors |= Arch.VmWrite(Vmcs.GuestCr4, Cr4Vmxe);
        errors |= Arch.VmWrite(Vmcs.Cr4ReadShadow, 0);
        errors |= Arch.VmWrite(Vmcs.GuestCr3, 0);
        errors |= Arch.VmWrite(Vmcs.GuestRflags, 0x2);
        errors |= Arch.VmWrite(Vmcs.GuestRsp, 0);
        errors |= Arch.VmWrite(Vmcs.GuestRip, 0);
        // ES, CS, SS, DS, FS, GS: data segments at 0, CS at the vector; then LDTR and TR.
        for (ulong i = 0; i < 6; i++)
        {
            bool code = i == 1;
            errors |= Arch.VmWrite(Vmcs.GuestEsSelector + 2 * i, code ? vector << 8 : 0);
            errors |= Arch.VmWrite(Vmcs.GuestEsBase + 2 * i, code ? vector << 12 : 0);
            errors |= Arch.VmWrite(Vmcs.GuestEsLimit + 2 * i, 0xffff);
            errors |= Arch.VmWrite(Vmcs.GuestEsAccessRights + 2 * i, code ? 0x9bu : 0x93u);
        }
        errors |= Arch.VmWrite(Vmcs.GuestEsSelector + 12, 0);
        errors |= Arch.VmWrite(Vmcs.GuestEsBase + 12, 0);
        errors |= Arch.VmWrite(Vmcs.GuestEsLimit + 12, 0xffff);
        errors |= Arch.VmWrite(Vmcs.GuestEsAccessRights + 12, 0x82);
        errors |= Arch.VmWrite(Vmcs.GuestEsSelector + 14, 0);
        errors |= Arch.VmWrite(Vmcs.GuestEsBase + 14, 0);
        errors |= Arch.VmWrite(Vmcs.GuestEsLimit + 14, 0xffff);
        errors |= Arch.VmWrite(Vmcs.GuestEsAccessRights + 14, 0x8b);
        errors |= Arch.VmWrite(Vmcs.GuestGdtrBase, 0);
        errors |= Arch.VmWrite(Vmcs.GuestGdtrLimit, 0xffff);
        errors |= Arch.VmWrite(Vmcs.GuestIdtrBase, 0);
        errors |= Arch.VmWrite(Vmcs.GuestIdtrLimit, 0xffff);
        errors |= Arch.VmWrite(Vmcs.GuestIa32Efer, 0);
        errors |= Arch.VmWrite(Vmcs.GuestSysenterCs, 0);
        errors |= Arch.VmWrite(Vmcs.GuestSysenterEsp, 0);
        errors |= Arch.VmWrite(Vmcs.GuestSysenterEip, 0);
        errors |= Arch.VmWrite(Vmcs.GuestDr7, 0x400);
        errors |= Arch.VmWrite(Vmcs.GuestActivityState, Vmcs.ActivityActive);
        errors |= Arch.VmWrite(Vmcs.GuestInterruptibility, 0);
        errors |= Arch.VmWrite(Vmcs.GuestPendingDebugExceptions, 0);
        errors |= Arch.VmWrite(Vmcs.EntryInterruptionInfo, 0);
        errors |= Arch.VmWrite(Vmcs.EntryControls, Arch.VmRead(Vmcs.EntryControls) & ~(ulong)Vmcs.EntryIa32eMode);
        for (int i = 0; i < 16; i++)
            cpu->GuestRegisters[i] = 0;
        return errors == 0;
    }

    /// <summary>
    /// Leaves VMX operation on this CPU and continues the guest natively where its current VM
    /// exit stopped it (after the instruction): page tables, descriptor tables, TR and LDTR,
    /// segments, control registers, stack and flags from the VMCS, general registers from the
    /// exit frame. Does not return.
    /// </summary>
    public static void LeaveToGuest(PerCpu* cpu, ulong* registers)
    {
        ulong* state = stackalloc ulong[19];
        state[0] = Arch.VmRead(Vmcs.GuestCr3);
        state[1] = Arch.VmRead(Vmcs.GuestGdtrBase);
        state[2] = Arch.VmRead(Vmcs.GuestGdtrLimit);
        state[3] = Arch.VmRead(Vmcs.GuestIdtrBase);
        state[4] = Arch.VmRead(Vmcs.GuestIdtrLimit);
        state[5] = Arch.VmRead(Vmcs.GuestRip) + Arch.VmRead(Vmcs.ExitInstructionLength);
        state[6] = Arch.VmRead(Vmcs.GuestRsp);
        state[7] = Arch.VmRead(Vmcs.GuestRflags);
        state[8] = Arch.VmRead(Vmcs.GuestEsSelector + 2);
        state[9] = Arch.VmRead(Vmcs.GuestEsSelector + 4);
        state[10] = Arch.VmRead(Vmcs.GuestEsSelector + 6);
        state[11] = Arch.VmRead(Vmcs.GuestEsSelector + 0);
        state[12] = Arch.VmRead(Vmcs.GuestEsSelector + 8);
        state[13] = Arch.VmRead(Vmcs.GuestEsSelector + 10);
        state[14] = Arch.VmRead(Vmcs.GuestEsBase + 8);
        state[15] = Arch.VmRead(Vmcs.GuestEsBase + 10);
        ulong tr = Arch.VmRead(Vmcs.GuestEsSelector + 14) & ~7UL;
        // A TR beyond the scratch GDT (none of Linux's) is left as the VM exit loaded it.
        state[16] = tr + 16 <= X86HostDescriptors.LeaveScratchSize ? tr : 0;
        state[17] = Arch.VmRead(Vmcs.GuestEsSelector + 12);
        state[18] = cpu->ArchData[X86PerCpu.LeaveScratch];
        ulong cr0 = Arch.VmRead(Vmcs.GuestCr0);
        ulong cr4 = Arch.VmRead(Vmcs.GuestCr4) & ~Cr4Vmxe;
        Arch.VmClear(&cpu->ArchData[X86PerCpu.VmcsRegion]);
        Arch.VmxOff();
        Arch.WriteCr4(cr4);
        Arch.WriteCr0(cr0);
        Arch.StoreRelease(ref cpu->PowerState, PowerState.Absent);
        Arch.LeaveToGuest(state, registers);
    }
}

/// <summary>Indices of the guest registers in <see cref="PerCpu.GuestRegisters"/> (vmx.S order).</summary>
internal static class X86Registers
{
    public const int Rax = 0, Rcx = 1, Rdx = 2, Rbx = 3, Rsp = 4, Rbp = 5, Rsi = 6, Rdi = 7;
    public const int R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;
}
