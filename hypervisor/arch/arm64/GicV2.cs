namespace Jailhouse.Hypervisor;

/// <summary>
/// GICv2 interrupt virtualization, the same scheme as <see cref="GicV3"/> through memory-mapped
/// registers: the physical CPU interface (GICC) and the virtual interface control (GICH) are
/// mapped at EL2, stage 2 shows the cell the virtual CPU interface (GICV) where its GICC is. A
/// physical interrupt is acknowledged (GICC_IAR), its priority dropped (GICC_EOIR, EOImode 1),
/// and injected through a GICH_LR; SGIs are deactivated at once (GICC_DIR) and injected with
/// their source CPU interface (a GICv2 SGI is one interrupt per source). GICD_SGIR writes are
/// filtered by <see cref="GicDistributor"/> and sent physically; each target takes its SGI here.
/// GICv2 kernels without security extensions use group 0, signalled as IRQ: the list registers
/// inject group 0.
/// <para>
/// PPIs and SPIs stay active physically until the cell deactivates them, as on GICv3, but not
/// through the HW bit: their list register asks for the EOI maintenance interrupt
/// (GICH_LR.EOI), and the hypervisor deactivates the physical interrupt itself when GICH_EISR
/// names the register (<see cref="FinishDeactivated"/>). With HW, QEMU's GICv2 (7.2) does not
/// look at the physical CPU interface again after the cell's deactivation reaches it, so a
/// level interrupt still asserted (the timer re-armed inside its handler) stays pending without
/// being signalled until some other GIC event: measured, a CPU alone in Linux (the other one in
/// a cell, or offline) idled in WFI for good with the timer PPI pending, enabled, at priority
/// 0xa0 under PMR 0xf0 and an idle running priority; an unrelated SGI set it going again. The
/// price is one more exit per hardware interrupt.
/// </para>
/// </summary>
internal static unsafe class GicV2
{
    public const uint MaintenanceIntid = 25;

    private static byte* cpuInterface;
    private static byte* control;

    private const ulong GiccCtlr = 0x0;
    private const ulong GiccPmr = 0x4;
    private const ulong GiccBpr = 0x8;
    private const ulong GiccIar = 0xc;
    private const ulong GiccEoir = 0x10;
    private const ulong GiccDir = 0x1000;
    private const ulong GichHcr = 0x0;
    private const ulong GichVtr = 0x4;
    private const ulong GichVmcr = 0x8;
    private const ulong GichEisr0 = 0x20;
    private const ulong GichApr = 0xf0;
    private const ulong GichLr = 0x100;
    private const uint GichHcrEn = 1;
    private const uint GichHcrUie = 2;
    private const uint CtlrGroup0 = 1;
    private const uint CtlrGroup1 = 2;
    private const uint CtlrCbpr = 1u << 4;
    private const uint CtlrEoiMode = 1u << 9;
    private const uint PhysicalPriorityMask = 0xf0;

    public static bool Active => control != null;

    /// <summary>GICC and GICH into the EL2 device window; 0 also when the configuration names no
    /// GICH/GICV (then interrupts stay the root cell's, as before).</summary>
    public static int Setup(in SystemConfig config, delegate*<ulong, ulong, byte*> mapDevice)
    {
        if (config.ArmGicVersion != 2 || !Virtualizable(config))
            return 0;
        cpuInterface = mapDevice(config.ArmGiccBase, GicPassthrough.Gicv2CpuInterfaceSize);
        byte* gich = mapDevice(config.ArmGichBase, 0x1000);
        if (cpuInterface == null || gich == null)
            return Errno.ENOMEM;
        control = gich;
        return 0;
    }

    public static bool Virtualizable(in SystemConfig config) => GicPassthrough.Gicv2Virtual(config);

    private static uint ListRegisterCount() => Mmio32.Read(control + GichVtr) % 64 + 1;

    private static ulong ReadLr(uint i) => ListRegisters.FromGicv2(Mmio32.Read(control + GichLr + 4 * i));

    private static void WriteLr(uint i, ulong lr) => Mmio32.Write(control + GichLr + 4 * i, ListRegisters.ToGicv2(lr));

    private static VirtualCpuInterface* Of(PerCpu* cpu) => (VirtualCpuInterface*)cpu->IrqState;

    /// <summary>As <see cref="GicV3.InitCpu"/>: GICH_VMCR from the kernel's GICC, SGIs and PPIs it has
    /// active deactivated physically (its own later deactivation of them finds nothing to do),
    /// the physical GICC in EOImode 1, the maintenance interrupt on.</summary>
    public static void InitCpu(uint cpuId, PerCpu* cpu)
    {
        if (control == null)
            return;
        VirtualCpuInterface* state = Of(cpu);
        uint count = ListRegisterCount();
        state->ListRegisterCount = count > 16 ? 16 : count;
        state->Queue.Head = 0;
        state->Queue.Count = 0;
        state->Queue.Dropped = 0;
        uint ctlr = Mmio32.Read(cpuInterface + GiccCtlr);
        state->SavedCtlr = ctlr;
        uint vmcr = (ctlr & (CtlrGroup0 | CtlrGroup1 | CtlrCbpr | CtlrEoiMode))
            | (Mmio32.Read(cpuInterface + GiccPmr) >> 3 & 0x1f) << 27 | (Mmio32.Read(cpuInterface + GiccBpr) & 7) << 21;
        for (uint i = 0; i < state->ListRegisterCount; i++)
            Mmio32.Write(control + GichLr + 4 * i, 0);
        Mmio32.Write(control + GichApr, 0);
        Mmio32.Write(control + GichVmcr, vmcr);

        byte* distributor = GicDistributorTrap.Registers;
        uint active = Mmio32.Read(distributor + 0x300) & ~(1u << (int)MaintenanceIntid);   // GICD_ISACTIVER0 (banked)
        for (uint intid = 0; intid < 32; intid++)
        {
            if ((active & (1u << (int)intid)) == 0)
                continue;
            if (intid < 16)
                for (uint source = 0; source < 8; source++)
                    Mmio32.Write(cpuInterface + GiccDir, source << 10 | intid);
            else
                Mmio32.Write(cpuInterface + GiccDir, intid);
        }
        Mmio32.Write(cpuInterface + GiccPmr, PhysicalPriorityMask);
        Mmio32.Write(cpuInterface + GiccCtlr, ctlr | CtlrGroup0 | CtlrEoiMode);
        Mmio32.Write(control + GichHcr, GichHcrEn);
        // The maintenance PPI and the event SGI are the hypervisor's: out of the cells' reach, at a
        // priority the physical PMR lets through (SGIs cannot be disabled on GICv2).
        GicDistributorTrap.Reserve(MaintenanceIntid);
        GicDistributorTrap.Reserve(GicV3.EventSgi);
        Mmio8.Write(distributor + 0x400 + MaintenanceIntid, 0xa0);                             // IPRIORITYR (banked)
        Mmio8.Write(distributor + 0x400 + GicV3.EventSgi, 0xa0);
        Mmio32.Write(distributor + 0x100, 1u << (int)MaintenanceIntid);                        // ISENABLER0 (banked)
        state->Enabled = 1;
    }

    public static void ShutdownCpu(PerCpu* cpu)
    {
        VirtualCpuInterface* state = Of(cpu);
        if (control == null || state->Enabled == 0)
            return;
        ReturnInterrupts(state);
        Mmio32.Write(control + GichHcr, 0);
        uint vmcr = Mmio32.Read(control + GichVmcr);
        Mmio32.Write(cpuInterface + GiccPmr, (vmcr >> 27) << 3);
        Mmio32.Write(cpuInterface + GiccBpr, (vmcr >> 21) & 7);
        uint ctlr = (uint)state->SavedCtlr & ~(CtlrGroup0 | CtlrGroup1 | CtlrCbpr | CtlrEoiMode);
        Mmio32.Write(cpuInterface + GiccCtlr, ctlr | (vmcr & (CtlrGroup0 | CtlrGroup1 | CtlrCbpr | CtlrEoiMode)));
        Mmio32.Write(GicDistributorTrap.Registers + 0x180, 1u << (int)MaintenanceIntid);        // ICENABLER0 (banked)
        state->Enabled = 0;
    }

    public static void ResetCpu(PerCpu* cpu)
    {
        VirtualCpuInterface* state = Of(cpu);
        if (control == null || state->Enabled == 0)
            return;
        ReturnInterrupts(state);
        Mmio32.Write(control + GichApr, 0);
        // A clean virtual interface for whoever runs here next (priority mask 0, groups off,
        // EOImode 0), as GicV3.ResetCpu: an inmate must not inherit Linux's EOImode 1.
        Mmio32.Write(control + GichVmcr, 0);
        Mmio32.Write(control + GichHcr, GichHcrEn);
    }

    private static void ReturnInterrupts(VirtualCpuInterface* state)
    {
        FinishDeactivated(state);
        for (uint i = 0; i < state->ListRegisterCount; i++)
        {
            ulong lr = ReadLr(i);
            Mmio32.Write(control + GichLr + 4 * i, 0);
            if (ListRegisters.IsFree(lr))
                continue;
            if ((lr & ListRegisters.HardwareBit) != 0)
                Mmio32.Write(cpuInterface + GiccDir, (uint)(lr >> ListRegisters.PhysicalShift) & 0x3ff);
            else if ((lr & ListRegisters.StatePending) != 0)
                SendToSelf(ListRegisters.VirtualIntid(lr));
        }
        while (ListRegisters.Dequeue(ref state->Queue, out uint intid, out bool hardware))
        {
            if (hardware)
                Mmio32.Write(cpuInterface + GiccDir, intid);
            else
                SendToSelf(intid);
        }
    }

    /// <summary>GICD_SGIR "this CPU only" for an SGI (its source becomes this CPU).</summary>
    private static void SendToSelf(uint key)
    {
        if ((key & 0x3ff) < 16)
            Mmio32.Write(GicDistributorTrap.Registers + 0xf00, SgiRouting.SgirFilterSelf << 24 | (key & 0xf));
    }

    public static void HandleIrq(PerCpu* cpu)
    {
        VirtualCpuInterface* state = Of(cpu);
        // Before any list register is reused: the cell may have finished some since the last exit.
        FinishDeactivated(state);
        for (int taken = 0; taken < 16; taken++)
        {
            uint iar = Mmio32.Read(cpuInterface + GiccIar);
            uint intid = iar & 0x3ff;
            if (intid >= 1020)
                break;
            Mmio32.Write(cpuInterface + GiccEoir, iar);
            if (intid == MaintenanceIntid)
            {
                Mmio32.Write(cpuInterface + GiccDir, iar);
                cpu->Stats[PerCpu.StatVmexitsMaintenance]++;
                ListRegisters.Refill(Access(state), ref state->Queue);
                continue;
            }
            if (intid == GicV3.EventSgi)
            {
                Mmio32.Write(cpuInterface + GiccDir, iar);   // the exception was the point (Irqchip.HandleIrq looks at requests)
                continue;
            }
            cpu->Stats[PerCpu.StatVmexitsVirq]++;
            if (intid < 16)
            {
                Mmio32.Write(cpuInterface + GiccDir, iar);
                ListRegisters.Inject(Access(state), ref state->Queue, iar & 0x1fff, false);
            }
            else
                ListRegisters.Inject(Access(state), ref state->Queue, intid, true);
        }
    }

    /// <summary>
    /// The EOI maintenance work: every list register GICH_EISR names held a hardware interrupt the
    /// cell has deactivated; the physical one is deactivated now (a level interrupt still
    /// asserted is signalled again) and the register cleared, which also clears its EISR bit.
    /// </summary>
    private static void FinishDeactivated(VirtualCpuInterface* state)
    {
        uint finished = Mmio32.Read(control + GichEisr0);
        for (uint i = 0; i < state->ListRegisterCount && finished != 0; i++)
        {
            if ((finished & (1u << (int)i)) == 0)
                continue;
            uint raw = Mmio32.Read(control + GichLr + 4 * i);
            Mmio32.Write(control + GichLr + 4 * i, 0);
            if ((raw & (ListRegisters.Gicv2Eoi | ListRegisters.Gicv2Hardware)) == ListRegisters.Gicv2Eoi)
                Mmio32.Write(cpuInterface + GiccDir, raw & 0x3ff);
        }
    }

    /// <summary>Sends the hypervisor's event SGI to CPU <paramref name="target"/> (GICD_SGIR).</summary>
    public static void Kick(uint target)
    {
        if (control != null && target < 64)
            GicDistributorTrap.SendSgi(GicV3.EventSgi, 1UL << (int)target);
    }

    /// <summary>This CPU's GICH list registers and GICC for <see cref="ListRegisters"/>.</summary>
    private static ListRegisterAccess Access(VirtualCpuInterface* state) => new()
    {
        Count = (int)state->ListRegisterCount,
        Read = &ReadLr,
        Write = &WriteLr,
        Deactivate = &Deactivate,
        Underflow = &Underflow,
    };

    private static void Deactivate(uint intid) => Mmio32.Write(cpuInterface + GiccDir, intid);

    private static void Underflow(bool on)
    {
        uint hcr = Mmio32.Read(control + GichHcr);
        Mmio32.Write(control + GichHcr, on ? hcr | GichHcrUie : hcr & ~GichHcrUie);
    }
}
