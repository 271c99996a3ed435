namespace Jailhouse.Hypervisor;

/// <summary>
/// arm64's part of cell management (<see cref="CellOperations"/>): CPUs of a cell wait in the
/// hypervisor until it starts (the wait of PSCI CPU_OFF), run it with its VTTBR_EL2 (VMID = cell
/// ID) and with WFI/WFE trapped, and stop when another CPU parks them: it sends them the
/// hypervisor's event SGI (<see cref="Irqchip.Kick"/>), which they take at EL2 even while they
/// never trap. Only without interrupt virtualization (GICv2 without GICH/GICV configured) does a
/// CPU stop at its next trap alone, and one that never traps makes the managing CPU give up
/// after a second (-EBUSY). Reading the root cell's memory
/// goes through a one-page window in the hypervisor's own tables.
/// </summary>
internal static unsafe class CellCpus
{
    /// <summary>HCR_EL2.TWI/TWE: WFI and WFE of a non-root cell trap, so an idle cell sees park requests.</summary>
    public const ulong HcrTwi = 1UL << 13;
    public const ulong HcrTwe = 1UL << 14;

    private const ulong SpsrEl1hMasked = 0x3c5;

    /// <summary>Where the window for reading the root cell's memory lies at EL2 (below the device window).</summary>
    private const ulong WindowVirt = 0xfffe_c000_0000;

    private static ulong* hypervisorRoot;
    private static PagePool* pool;
    private static ulong rootVttbr;
    private static ulong cellTraps;

    public static void Init(ulong* hypervisorTables, PagePool* pagePool, ulong rootCellVttbr, ulong trapBits)
    {
        hypervisorRoot = hypervisorTables;
        pool = pagePool;
        rootVttbr = rootCellVttbr;
        cellTraps = trapBits;
    }

    /// <summary>HCR_EL2 for this CPU in its current cell: Linux's bits, ours, and for a non-root cell WFI/WFE trapped.</summary>
    /// <summary>What a CPU runs its cell with: Linux's bits, the traps, physical interrupts to
    /// EL2 where they are virtualized (every cell: the root's are injected, and a CPU of any
    /// cell can be kicked), WFI/WFE trapped in non-root cells.</summary>
    private static ulong Hcr(PerCpu* cpu) =>
        cpu->ArchData[El2State.Hcr] | cellTraps | Irqchip.HcrBits | (cpu->OwnerCell != null ? HcrTwi | HcrTwe : 0);

    /// <summary>Copies <paramref name="length"/> bytes (within one page) of RAM at <paramref name="phys"/>
    /// through a write-back window (the root cell wrote them through its cache).</summary>
    public static int CopyFromPhys(ulong phys, ulong length, byte* destination)
    {
        ulong page = phys & ~(PagePool.PageSize - 1);
        int result = PageTable.Map(hypervisorRoot, ref *pool, HypervisorPaging.Format, WindowVirt, page, PagePool.PageSize,
            HypervisorPaging.ReadOnlyData);
        if (result != 0)
            return result;
        byte* source = (byte*)(WindowVirt + (phys - page));
        for (ulong i = 0; i < length; i++)
            destination[i] = source[i];
        result = PageTable.Unmap(hypervisorRoot, ref *pool, HypervisorPaging.Format, WindowVirt, PagePool.PageSize);
        Arch.FlushEl2Tlb();
        return result;
    }

    /// <summary>Called on a root cell CPU: every CPU drops what it cached of the root cell's tables.</summary>
    public static void FlushRootTlb() => Arch.FlushStage2InnerShareable();

    /// <summary>Stops every CPU of <paramref name="cell"/> in the hypervisor: a running one at its next trap.</summary>
    public static int ParkCpus(Cell* cell)
    {
        ref HypercallContext context = ref ArchSetup.Hypercalls;
        for (uint id = 0; id < context.MaxCpus; id++)
        {
            PerCpu* cpu = context.Cpu(id);
            if (cpu->OwnerCell == cell)
            {
                Arch.StoreRelease(ref cpu->ParkRequest, 1);
                Irqchip.Kick(id);
            }
        }
        ulong deadline = Arch.ReadCounter() + Arch.ReadCounterFrequency();
        int result = 0;
        for (uint id = 0; id < context.MaxCpus; id++)
        {
            PerCpu* cpu = context.Cpu(id);
            if (cpu->OwnerCell != cell)
                continue;
            while (!Parked(cpu) && Arch.ReadCounter() < deadline)
            {
            }
            if (!Parked(cpu))
            {
                DebugConsole.Print("CPU %d of the cell does not stop (it takes no trap)\n", id);
                result = Errno.EBUSY;
            }
            Arch.StoreRelease(ref cpu->ParkRequest, 0);
        }
        return result;
    }

    private static bool Parked(PerCpu* cpu)
    {
        uint state = Arch.LoadAcquire(ref cpu->PowerState);
        return state == PowerState.Off || state == PowerState.Failed;
    }

    /// <summary>Lets a parked CPU of the cell start at the configuration's cpu_reset_address.</summary>
    public static void StartCpu(Cell* cell, uint id)
    {
        PerCpu* cpu = ArchSetup.Hypercalls.Cpu(id);
        cpu->WakeEntry = cell->Desc.CpuResetAddress;
        cpu->WakeContext = 0;
        Arch.StoreRelease(ref cpu->PowerState, PowerState.Waking);
    }

    /// <summary>
    /// The CPU waits in the hypervisor (its state is Off or Failed) until its cell turns it on (PSCI
    /// CPU_ON, or cell start), then enters that cell -- whichever it belongs to by then -- at the
    /// entry it was given, as after a reset: EL1h, interrupts masked, MMU and caches off, general
    /// registers zero except x0 (the context).
    /// </summary>
    public static void WaitForStart(TrapFrame* frame, PerCpu* cpu)
    {
        while (!PsciEmulation.TryWake(cpu))
            Arch.WaitForEvent();
        Cell* cell = cpu->OwnerCell;
        Arch.EnterCell(cell != null ? cell->Stage2Pointer : rootVttbr, Hcr(cpu));
        for (int i = 1; i < 31; i++)
            frame->X[i] = 0;
        frame->Elr = cpu->WakeEntry;
        frame->X[0] = cpu->WakeContext;
        frame->Spsr = SpsrEl1hMasked;
        Arch.ResetEl1();
    }

    /// <summary>At a trap of a non-root cell CPU: true (and the CPU has waited, parked, until its cell
    /// starts again) if another CPU asked it to stop.</summary>
    public static bool ParkIfRequested(TrapFrame* frame, PerCpu* cpu)
    {
        if (cpu->OwnerCell == null || Arch.LoadAcquire(ref cpu->ParkRequest) == 0)
            return false;
        // What the cell had pending goes back to the physical GIC, as at CPU_OFF.
        Irqchip.ResetCpu(cpu->CpuId, cpu);
        Arch.StoreRelease(ref cpu->PowerState, PowerState.Off);
        WaitForStart(frame, cpu);
        return true;
    }

    /// <summary>
    /// PSCI SYSTEM_OFF or SYSTEM_RESET from a non-root cell stops that cell only: its comm region
    /// says shut down, its other CPUs are asked to park, this one parks at once.
    /// </summary>
    public static void ShutDownCell(TrapFrame* frame, PerCpu* cpu)
    {
        Cell* cell = cpu->OwnerCell;
        cell->CommState = CommRegion.CellShutDown;
        ref HypercallContext context = ref ArchSetup.Hypercalls;
        for (uint id = 0; id < context.MaxCpus; id++)
        {
            PerCpu* other = context.Cpu(id);
            if (other != cpu && other->OwnerCell == cell)
            {
                Arch.StoreRelease(ref other->ParkRequest, 1);
                Irqchip.Kick(id);
            }
        }
        Irqchip.ResetCpu(cpu->CpuId, cpu);
        Arch.StoreRelease(ref cpu->PowerState, PowerState.Off);
        WaitForStart(frame, cpu);
    }

    /// <summary>A CPU of a non-root cell stopped on an error: the cell is failed, the CPU waits
    /// (state Failed) until the root cell starts or destroys the cell.</summary>
    public static void WaitFailed(TrapFrame* frame, PerCpu* cpu)
    {
        Control.CellFailed(cpu);
        Irqchip.ResetCpu(cpu->CpuId, cpu);
        CpuFailure.Finish(cpu);
        WaitForStart(frame, cpu);
    }
}
