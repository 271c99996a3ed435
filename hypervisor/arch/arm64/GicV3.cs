using System.Runtime;
using System.Runtime.CompilerServices;

namespace Jailhouse.Hypervisor;

/// <summary>A CPU's interrupt virtualization state in <see cref="PerCpu.IrqState"/>.</summary>
internal unsafe struct VirtualCpuInterface
{
    /// <summary>The CPU interface as the cell's kernel left it at entry (given back on disable).</summary>
    public ulong SavedCtlr;
    public uint ListRegisterCount;
    public uint Enabled;
    /// <summary>Which of the hypervisor's own interrupts (maintenance, event SGI) were enabled
    /// before it reserved them: they stay so after disable.</summary>
    public uint ReservedWereEnabled;
    public PendingIrqQueue Queue;
}

/// <summary>
/// GICv3 interrupt virtualization (upstream's irqchip/gic-v3 scheme, written from the GIC
/// architecture specification). With HCR_EL2.IMO/FMO every physical interrupt is taken at EL2
/// (vectors.S el1_irq): <see cref="HandleIrq"/> acknowledges it (ICC_IAR1_EL1), drops its
/// priority (ICC_EOIR1_EL1 with EOImode 1) and injects it through a list register. A PPI or SPI
/// goes in with the HW bit: the physical interrupt stays active until the cell deactivates the
/// virtual one, which deactivates both, so a level interrupt cannot fire again before the cell
/// handled it. SGIs are deactivated at once and injected without HW. When every list register is
/// in use the interrupt waits in the CPU's queue and the underflow maintenance interrupt (PPI 25,
/// kept from the cell by <see cref="Redistributor"/>) refills them. The cell's ICC_* accesses go
/// to the virtual CPU interface (ICV_*, state in ICH_VMCR_EL2, seeded from the physical one at
/// entry and given back at disable); its ICC_SGI1R_EL1 writes trap and are sent by
/// <see cref="SendSgi"/> to the CPUs of its cell only.
/// </summary>
internal static unsafe class GicV3
{
    public const uint MaintenanceIntid = 25;
    /// <summary>
    /// The hypervisor's own SGI, never injected and never sent for a cell: it makes a CPU that
    /// runs a cell take an exception to EL2 (a request to park it, <see cref="CellCpus"/>), as
    /// upstream's SGI_EVENT. Linux uses SGIs 0-7.
    /// </summary>
    public const uint EventSgi = 15;
    /// <summary>HCR_EL2.FMO and IMO: physical FIQs and IRQs to EL2, virtual ones to the cell.</summary>
    public const ulong HcrFmo = 1UL << 3;
    public const ulong HcrImo = 1UL << 4;

    private const ulong IchHcrEn = 1UL << 0;
    private const ulong IchHcrUie = 1UL << 1;
    private const ulong CtlrCbpr = 1UL << 0;
    private const ulong CtlrEoiMode = 1UL << 1;
    /// <summary>The physical priority mask while the hypervisor runs (Linux's default).</summary>
    private const ulong PhysicalPriorityMask = 0xf0;

    /// <summary>The ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 / ICC_SGI0R_EL1 encodings (Op0 3, Op1 0, CRn 12, CRm 11, Op2 5/6/7).</summary>
    public const uint Sgi1r = (3u << 14) | (12u << 7) | (11u << 3) | 5;
    public const uint Asgi1r = (3u << 14) | (12u << 7) | (11u << 3) | 6;
    public const uint Sgi0r = (3u << 14) | (12u << 7) | (11u << 3) | 7;

    private static VirtualCpuInterface* Of(PerCpu* cpu) => (VirtualCpuInterface*)cpu->IrqState;

    /// <summary>
    /// This CPU's virtual CPU interface: seeded from what the cell's kernel set physically, list
    /// registers empty except for SGIs and PPIs the kernel has active right now (entry is called
    /// from its IPI handler: that SGI is deactivated physically and goes in as an active virtual
    /// one, which the kernel's own deactivation then ends), the physical interface set to
    /// EOImode 1 for the hypervisor, the maintenance interrupt enabled.
    /// </summary>
    public static void InitCpu(uint cpuId, PerCpu* cpu)
    {
        VirtualCpuInterface* state = Of(cpu);
        uint count = (uint)(ReadVtr() & 0x1f) + 1;
        state->ListRegisterCount = count > 16 ? 16 : count;
        state->Queue.Head = 0;
        state->Queue.Count = 0;
        state->Queue.Dropped = 0;
        ulong ctlr = ReadCtlr();
        state->SavedCtlr = ctlr;
        ulong vmcr = (ReadPmr() & 0xff) << 24 | (ReadBpr1() & 7) << 18 | ((ctlr & CtlrEoiMode) != 0 ? 1UL << 9 : 0)
            | ((ctlr & CtlrCbpr) != 0 ? 1UL << 4 : 0) | (ReadIgrpen1() & 1) << 1;
        for (uint i = 0; i < state->ListRegisterCount; i++)
            WriteLr(i, 0);
        WriteAp0r0(0);
        WriteAp1r0(0);
        WriteVmcr(vmcr);

        uint active = RedistributorTrap.ActivePrivate(cpuId) & ~(1u << (int)MaintenanceIntid);
        uint next = 0;
        for (int intid = 0; intid < 32 && next < state->ListRegisterCount; intid++)
        {
            if ((active & (1u << intid)) == 0)
                continue;
            ulong lr = ListRegisters.StateActive | ListRegisters.Group1 | (uint)intid;
            if (intid < 16)
                WriteDir((ulong)intid);
            else
                lr |= ListRegisters.HardwareBit | (ulong)intid << ListRegisters.PhysicalShift;
            WriteLr(next++, lr);
        }
        WriteCtlr(ctlr | CtlrEoiMode);
        WritePmr(PhysicalPriorityMask);
        WriteIgrpen1(1);
        WriteHcr(IchHcrEn);
        state->ReservedWereEnabled = (RedistributorTrap.ReservePrivate(cpuId, MaintenanceIntid) ? 1u << (int)MaintenanceIntid : 0)
            | (RedistributorTrap.ReservePrivate(cpuId, EventSgi) ? 1u << (int)EventSgi : 0);
        state->Enabled = 1;
    }

    /// <summary>
    /// Disable (or a failed enable): interrupts still waiting for the cell go back to the physical
    /// GIC -- a hardware one is deactivated, so a level interrupt is signalled again, now to the
    /// kernel; a pending SGI is sent to this CPU again -- and the CPU interface is left as the
    /// virtual one was (priority mask, binary point, group enable, EOI mode).
    /// </summary>
    public static void ShutdownCpu(uint cpuId, PerCpu* cpu)
    {
        VirtualCpuInterface* state = Of(cpu);
        if (state->Enabled == 0)
            return;
        ReturnInterrupts(cpuId, state);
        WriteHcr(0);
        ulong vmcr = ReadVmcr();
        WritePmr((vmcr >> 24) & 0xff);
        WriteBpr1((vmcr >> 18) & 7);
        WriteIgrpen1((vmcr >> 1) & 1);
        WriteCtlr((state->SavedCtlr & ~CtlrEoiMode) | ((vmcr & (1UL << 9)) != 0 ? CtlrEoiMode : 0));
        RedistributorTrap.ReleasePrivate(cpuId, MaintenanceIntid, (state->ReservedWereEnabled & (1u << (int)MaintenanceIntid)) != 0);
        RedistributorTrap.ReleasePrivate(cpuId, EventSgi, (state->ReservedWereEnabled & (1u << (int)EventSgi)) != 0);
        state->Enabled = 0;
    }

    /// <summary>PSCI CPU_OFF (or the CPU parked for its cell): it will start afresh, so what its
    /// list registers and queue hold goes back to the physical GIC (<see cref="ShutdownCpu"/>),
    /// and its virtual interface stays on but as after a reset (ICH_VMCR_EL2 0: priority mask 0,
    /// groups off, EOImode 0), whichever cell starts it next -- an inmate that only writes
    /// ICC_EOIR1_EL1 must not inherit Linux's EOImode 1 and never deactivate.</summary>
    public static void ResetCpu(uint cpuId, PerCpu* cpu)
    {
        VirtualCpuInterface* state = Of(cpu);
        if (state->Enabled == 0)
            return;
        ReturnInterrupts(cpuId, state);
        WriteAp0r0(0);
        WriteAp1r0(0);
        WriteVmcr(0);
        WriteHcr(IchHcrEn);
    }

    private static void ReturnInterrupts(uint cpuId, VirtualCpuInterface* state)
    {
        for (uint i = 0; i < state->ListRegisterCount; i++)
        {
            ulong lr = ReadLr(i);
            WriteLr(i, 0);
            if (ListRegisters.IsFree(lr))
                continue;
            if ((lr & ListRegisters.HardwareBit) != 0)
                WriteDir((lr >> ListRegisters.PhysicalShift) & 0x3ff);
            else if ((lr & ListRegisters.StatePending) != 0 && ListRegisters.VirtualIntid(lr) < 16)
                SendToSelf(cpuId, ListRegisters.VirtualIntid(lr));
        }
        while (ListRegisters.Dequeue(ref state->Queue, out uint intid, out bool hardware))
        {
            if (hardware)
                WriteDir(intid);
            else if (intid < 16)
                SendToSelf(cpuId, intid);
        }
    }

    private static void SendToSelf(uint cpuId, uint intid)
    {
        ulong value;
        if (SgiRouting.EncodeSgi1r(intid, 1UL << (int)cpuId, *ArchSetup.Affinities, &value, 1) == 1)
            WriteSgi1r(value);
    }

    /// <summary>A physical interrupt arrived while the cell ran: take every pending one.</summary>
    public static void HandleIrq(PerCpu* cpu)
    {
        VirtualCpuInterface* state = Of(cpu);
        // Bounded: an interrupt storm must not keep the cell from running forever.
        for (int taken = 0; taken < 16; taken++)
        {
            uint intid = (uint)ReadIar1() & 0xff_ffff;
            if (intid >= 1020 && intid <= 1023)
                break;   // spurious: nothing (more) pending
            WriteEoir1(intid);
            if (intid == MaintenanceIntid)
            {
                WriteDir(intid);
                cpu->Stats[PerCpu.StatVmexitsMaintenance]++;
                ListRegisters.Refill(Access(state), ref state->Queue);
                continue;
            }
            if (intid == EventSgi)
            {
                WriteDir(intid);   // the exception was the point (Irqchip.HandleIrq looks at requests)
                continue;
            }
            // SGIs (and LPIs, which have no active state) are done physically at once.
            bool hardware = intid >= 16 && intid < 1020;
            if (!hardware && intid < 16)
                WriteDir(intid);
            cpu->Stats[PerCpu.StatVmexitsVirq]++;
            ListRegisters.Inject(Access(state), ref state->Queue, intid, hardware);
        }
    }

    /// <summary>This CPU's list registers and physical CPU interface for <see cref="ListRegisters"/>.</summary>
    private static ListRegisterAccess Access(VirtualCpuInterface* state) => new()
    {
        Count = (int)state->ListRegisterCount,
        Read = &ReadListRegister,
        Write = &WriteListRegister,
        Deactivate = &Deactivate,
        Underflow = &Underflow,
    };

    private static ulong ReadListRegister(uint index) => ReadLr(index);

    private static void WriteListRegister(uint index, ulong lr) => WriteLr(index, lr);

    private static void Deactivate(uint intid) => WriteDir(intid);

    private static void Underflow(bool on) => WriteHcr(on ? ReadHcr() | IchHcrUie : ReadHcr() & ~IchHcrUie);

    /// <summary>
    /// A trapped write of ICC_SGI1R_EL1: the targets it names (by affinity, or all but the sender)
    /// are cut to the sender's cell (<see cref="SgiRouting.Filter"/>) and sent as physical SGIs,
    /// which each target takes at EL2 and injects.
    /// </summary>
    public static void SendSgi(uint cpuId, PerCpu* cpu, ulong value)
    {
        cpu->Stats[PerCpu.StatVmexitsVsgi]++;
        CpuAffinityTable* table = ArchSetup.Affinities;
        ulong targets = SgiRouting.Sgi1rTargets(value, cpuId, *table);
        targets = SgiRouting.Filter(cpuId, targets, &GicDistributorTrap.SameCell);
        uint intid = SgiRouting.Sgi1rIntid(value);
        if (intid == EventSgi)
            return;   // the hypervisor's: a cell's write of it is dropped
        ulong* values = stackalloc ulong[CpuAffinityTable.MaxCpus];
        int count = SgiRouting.EncodeSgi1r(intid, targets, *table, values, CpuAffinityTable.MaxCpus);
        for (int i = 0; i < count; i++)
            WriteSgi1r(values[i]);
    }

    /// <summary>Sends <see cref="EventSgi"/> to CPU <paramref name="target"/>.</summary>
    public static void Kick(uint target)
    {
        ulong value;
        if (SgiRouting.EncodeSgi1r(EventSgi, 1UL << (int)target, *ArchSetup.Affinities, &value, 1) == 1)
            WriteSgi1r(value);
    }

    [RuntimeImport("gicv3_read_iar1")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern ulong ReadIar1();
    [RuntimeImport("gicv3_write_eoir1")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void WriteEoir1(ulong value);
    [RuntimeImport("gicv3_write_dir")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void WriteDir(ulong value);
    [RuntimeImport("gicv3_write_sgi1r")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void WriteSgi1r(ulong value);
    [RuntimeImport("gicv3_read_ctlr")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern ulong ReadCtlr();
    [RuntimeImport("gicv3_write_ctlr")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void WriteCtlr(ulong value);
    [RuntimeImport("gicv3_read_pmr")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern ulong ReadPmr();
    [RuntimeImport("gicv3_write_pmr")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void WritePmr(ulong value);
    [RuntimeImport("gicv3_read_igrpen1")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern ulong ReadIgrpen1();
    [RuntimeImport("gicv3_write_igrpen1")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void WriteIgrpen1(ulong value);
    [RuntimeImport("gicv3_read_bpr1")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern ulong ReadBpr1();
    [RuntimeImport("gicv3_write_bpr1")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void WriteBpr1(ulong value);
    [RuntimeImport("gicv3_read_hcr")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern ulong ReadHcr();
    [RuntimeImport("gicv3_write_hcr")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void WriteHcr(ulong value);
    [RuntimeImport("gicv3_read_vtr")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern ulong ReadVtr();
    [RuntimeImport("gicv3_read_vmcr")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern ulong ReadVmcr();
    [RuntimeImport("gicv3_write_vmcr")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void WriteVmcr(ulong value);
    [RuntimeImport("gicv3_write_ap0r0")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void WriteAp0r0(ulong value);
    [RuntimeImport("gicv3_write_ap1r0")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void WriteAp1r0(ulong value);
    [RuntimeImport("gicv3_read_lr")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern ulong ReadLr(uint index);
    [RuntimeImport("gicv3_write_lr")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern void WriteLr(uint index, ulong value);
}
