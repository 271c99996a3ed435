namespace Jailhouse.Hypervisor;

/// <summary>
/// arm64 setup after the MMU is on: the page pool behind the system configuration, the root
/// cell's stage-2 tables from its memory regions (hypervisor memory stays unmapped), its MMIO
/// handlers (sub-page regions, the GIC distributor) with their registers in an EL2 device
/// window, and per CPU the switch to stage-2 translation with HVC trapping to <see cref="Traps"/>.
/// </summary>
internal static unsafe class ArchSetup
{
    public const byte ConfigArchitecture = SystemConfig.ArchArm64;

    private static PagePool pool;
    private static ulong hypervisorTables;
    private static ulong* hypervisorRoot;
    private static DeviceWindow deviceWindow;
    private static ulong vtcr;
    private static ulong vttbr;
    internal static HypercallContext Hypercalls;
    /// <summary>The root cell's emulated MMIO regions, one pool page of entries.</summary>
    internal static MmioDispatch Mmio;
    /// <summary>Each CPU's MPIDR affinity, recorded as it enters (a pool page).</summary>
    internal static CpuAffinityTable* Affinities;

    private const ushort ConsoleTypePl011 = 3;

    /// <summary>A PL011 debug console appears where arch_entry mapped it (debug_console_base in
    /// the header); other UART types stay silent (only the console page gets the log).</summary>
    public static void AttachConsole(HypervisorHeader* header, SystemConfig config)
    {
        if (config.DebugConsoleType == ConsoleTypePl011)
            Uart.Attach(header->DebugConsoleBase);
    }

    public static int InitGlobal(HypervisorHeader* header, SystemConfig config)
    {
        byte* hypervisorBase = (byte*)header;
        ulong physMinusVirt = config.HypervisorPhys - (ulong)hypervisorBase;
        pool = new PagePool(config.Address + config.Size, hypervisorBase + config.HypervisorSize, physMinusVirt);
        deviceWindow = new DeviceWindow(DeviceWindowBase, DeviceWindowSize);

        Affinities = (CpuAffinityTable*)pool.Allocate();
        if (Affinities == null)
            return Failed("CPU affinities", Errno.ENOMEM);
        deviceMappings = (DeviceMapping*)pool.Allocate();
        if (deviceMappings == null)
            return Failed("device window", Errno.ENOMEM);
        ulong* root = (ulong*)pool.Allocate();
        int result = BuildRootCellStage2(header, config, root);
        if (result != 0)
            return Failed("root cell stage 2", result);
        hypervisorRoot = (ulong*)pool.Allocate();
        if (hypervisorRoot == null)
            return Failed("hypervisor page tables", Errno.ENOMEM);
        result = HypervisorPaging.Build(hypervisorRoot, ref pool, Layout(header, config));
        if (result != 0)
            return Failed("hypervisor page tables", result);
        result = RegisterMmioHandlers(config, header->MaxCpus);
        if (result != 0)
            return Failed("MMIO handlers", result);
        hypervisorTables = pool.ToPhys(hypervisorRoot);

        vtcr = Arm64Stage2.Vtcr(Arch.ReadIdAa64Mmfr0());
        vttbr = Arm64Stage2.Vttbr(pool.ToPhys(root), 0);
        var cellSlots = (Cell*)pool.Allocate();
        var livePool = (PagePool*)pool.Allocate();
        if (cellSlots == null || livePool == null)
            return Failed("cell table", Errno.ENOMEM);
        // From here on the pool lives in hypervisor memory, where cell management reaches it by
        // pointer; the static copy is not used again.
        *livePool = pool;
        Hypercalls = Setup.RootCellReady("Root cell stage 2: root table at ", livePool->ToPhys(root), header, config, *livePool);
        Hypercalls.Pool = livePool;
        Hypercalls.RootStage2 = root;
        Hypercalls.Stage2Format = Arm64Stage2.Format;
        Hypercalls.Stage2Flags = &Arm64Stage2.RegionFlags;
        Hypercalls.Cells = new CellTable(cellSlots, MaxCells);
        Hypercalls.Architecture = ConfigArchitecture;
        Hypercalls.Ops = new CellOperations
        {
            CopyFromPhys = &CellCpus.CopyFromPhys,
            FlushRootTlb = &CellCpus.FlushRootTlb,
            ParkCpus = &CellCpus.ParkCpus,
            StartCpu = &CellCpus.StartCpu,
            Stage2Pointer = &Arm64Stage2.CellVttbr,
            FillCommRegion = &FillCellCommRegion,
            MapsRam = &Arm64Stage2.MapsRam,
            CreateArch = &CreateCell,
            DestroyArch = &DestroyCell,
        };
        CellCpus.Init(hypervisorRoot, livePool, vttbr, CellTraps);
        return 0;
    }

    /// <summary>The pool device mappings take table pages from: the live one in hypervisor memory
    /// once set-up is done (<see cref="HypercallContext.Pool"/>, null before), the static copy
    /// during set-up.</summary>
    private static ref PagePool Pool
    {
        get
        {
            if (Hypercalls.Pool != null)
                return ref *Hypercalls.Pool;
            return ref pool;
        }
    }

    /// <summary>A non-root cell's pool pages (<see cref="Cell.ArchPages"/>): its MMIO handler table,
    /// its view of the distributor, its sub-page devices.</summary>
    private const ulong CellArchPages = 3;

    /// <summary>
    /// arm64's part of cell create: the cell's MMIO handlers -- its sub-page regions, the
    /// distributor (its own view, <see cref="GicDistributorTrap.CreateCell"/>, which also takes its
    /// SPIs from the root cell) and the GICv3 redistributors -- and on GICv2 the CPU interface in
    /// its tables (the virtual one where GICH/GICV are used, as for the root cell).
    /// </summary>
    private static int CreateCell(Cell* cell)
    {
        ref HypercallContext context = ref Hypercalls;
        byte* pages = context.Pool->AllocateContiguous(CellArchPages);
        if (pages == null)
            return Errno.ENOMEM;
        for (ulong i = 0; i < CellArchPages * PagePool.PageSize; i++)
            pages[i] = 0;
        cell->ArchPages = pages;
        cell->Mmio = new MmioDispatch((MmioRegionHandler*)pages, (uint)(PagePool.PageSize / (ulong)sizeof(MmioRegionHandler)));
        CellDesc desc = cell->Desc;
        var subpages = (SubpageDevice*)(pages + 2 * PagePool.PageSize);
        int result = MmioSubpage.RegisterAll(desc, ref cell->Mmio, subpages, (uint)(PagePool.PageSize / (ulong)sizeof(SubpageDevice)), &MapDevice);
        if (result != 0)
            return result;
        result = GicDistributorTrap.CreateCell(desc, (GicDistributorState*)(pages + PagePool.PageSize), ref cell->Mmio, Arch.CurrentCpu()->CpuId);
        if (result != 0)
            return result;
        result = RedistributorTrap.RegisterCell(ref cell->Mmio);
        if (result != 0)
            return result;
        return GicPassthrough.Map(context.Config, cell->Stage2Root, ref *context.Pool, Arm64Stage2.Format);
    }

    /// <summary>Undoes <see cref="CreateCell"/>, also a half-done one: SPIs and CPUs back to the root
    /// cell's distributor view, the pages back to the pool (device mappings stay for the next cell).</summary>
    private static void DestroyCell(Cell* cell)
    {
        if (cell->ArchPages == null)
            return;
        GicDistributorTrap.DestroyCell((GicDistributorState*)(cell->ArchPages + PagePool.PageSize), Arch.CurrentCpu()->CpuId);
        cell->Mmio = default;
        Hypercalls.Pool->FreeContiguous(cell->ArchPages, CellArchPages);
        cell->ArchPages = null;
    }

    /// <summary>Non-root cells at most at a time (VMIDs 1..MaxCells; one pool page holds their slots).</summary>
    private const uint MaxCells = 32;

    /// <summary>HCR_EL2 bits every cell runs with on top of Linux's: stage 2 and upstream's traps
    /// (SMC, ACTLR_EL1 accesses, data cache maintenance by set/way).</summary>
    private const ulong CellTraps = Arm64Stage2.HcrVm | Arm64Stage2.HcrRw | Arm64Stage2.HcrTsc | Arm64Stage2.HcrTac | Arm64Stage2.HcrTsw;

    private static void FillCellCommRegion(byte* page, SystemConfig system, CellDesc cell) =>
        CommRegion.FillArm(page, PagePool.PageSize, system, cell);

    private static int Failed(string what, int result)
    {
        DebugConsole.Write(what);
        DebugConsole.Print(" failed: %d\n", unchecked((ulong)result));
        return result;
    }

    /// <summary>
    /// The root cell's stage-2 tables under <paramref name="root"/>: its memory regions (and comm
    /// page), hypervisor memory as the read-only shadow, the GIC parts passed through; also the
    /// (empty) MMIO handler table.
    /// </summary>
    private static int BuildRootCellStage2(HypervisorHeader* header, SystemConfig config, ulong* root)
    {
        void* commPage = pool.Allocate();
        void* emptyPage = pool.Allocate();
        var mmioRegions = (MmioRegionHandler*)pool.Allocate();
        if (root == null || commPage == null || emptyPage == null || mmioRegions == null)
            return Errno.ENOMEM;
        CommRegion.FillArm((byte*)commPage, PagePool.PageSize, config);
        Mmio = new MmioDispatch(mmioRegions, (uint)(PagePool.PageSize / (ulong)sizeof(MmioRegionHandler)));
        PagingFormat format = Arm64Stage2.Format;
        int result = CellPaging.MapRegions(config, root, ref pool, format, &Arm64Stage2.RegionFlags, pool.ToPhys(commPage));
        if (result != 0)
            return result;
        ulong consolePhys = (config.Flags & VirtualConsole.SystemFlagVirtualDebugConsole) != 0
            ? pool.ToPhys((byte*)header + header->ConsolePage) : 0;
        result = CellPaging.MapHypervisorShadow(config, root, ref pool, format, Arm64Stage2.RegionFlags(MemoryRegion.Read),
            pool.ToPhys(emptyPage), consolePhys);
        if (result != 0)
            return result;
        return GicPassthrough.Map(config, root, ref pool, format);
    }

    /// <summary>Where the image's sections, hypervisor memory, the UART and the leave trampoline are (<see cref="HypervisorPaging"/>).</summary>
    private static HypervisorLayout Layout(HypervisorHeader* header, SystemConfig config)
    {
        ulong* addresses = stackalloc ulong[4];
        Arch.HypervisorLayout(addresses);
        return new HypervisorLayout
        {
            Base = addresses[0],
            RodataStart = addresses[1],
            DataStart = addresses[2],
            MemorySize = config.HypervisorSize,
            UartVirt = header->DebugConsoleBase,
            UartPhys = config.DebugConsoleAddress,
            TrampolineVirt = addresses[3],
        };
    }

    /// <summary>The trapped MMIO regions: sub-page regions, then the GIC distributor (each with a pool page of state).</summary>
    private static int RegisterMmioHandlers(SystemConfig config, uint maxCpus)
    {
        var subpages = (SubpageDevice*)pool.Allocate();
        if (subpages == null)
            return Errno.ENOMEM;
        int result = MmioSubpage.RegisterAll(config.RootDesc, ref Mmio, subpages, (uint)(PagePool.PageSize / (ulong)sizeof(SubpageDevice)), &MapDevice);
        if (result != 0)
            return result;
        var distributor = (GicDistributorState*)pool.Allocate();
        if (distributor == null)
            return Errno.ENOMEM;
        result = GicDistributorTrap.Setup(config, ref Mmio, distributor, Affinities, &MapDevice);
        if (result != 0)
            return result;
        var redistributors = (RedistributorState*)pool.Allocate();
        if (redistributors == null)
            return Errno.ENOMEM;
        result = RedistributorTrap.Setup(config, maxCpus, ref Mmio, redistributors, &MapDevice);
        if (result != 0)
            return result;
        Irqchip.Setup(config);
        return GicV2.Setup(config, &MapDevice);
    }

    /// <summary>Where device registers the hypervisor performs accesses on are mapped at EL2 (below
    /// hypervisor memory at JAILHOUSE_BASE and the UART window at 0xffffc0000000).</summary>
    private const ulong DeviceWindowBase = 0xffff_0000_0000;
    private const ulong DeviceWindowSize = 0x4000_0000;

    /// <summary>Maps the pages holding physical <paramref name="phys"/>..+<paramref name="size"/> into
    /// the device window; returns the EL2 address of <paramref name="phys"/>, or null when full.</summary>
    private static byte* MapDevice(ulong phys, ulong size)
    {
        // Cells come and go: a range mapped before (the same device of an earlier cell, or the
        // root cell's) is used again rather than taking more of the window each time.
        if (size != 0 && size - 1 <= ~0UL - phys)
            for (uint i = 0; i < deviceMappingCount; i++)
            {
                DeviceMapping* known = deviceMappings + i;
                if (phys >= known->Phys && phys + (size - 1) <= known->Phys + (known->Length - 1))
                    return (byte*)(known->Virt + (phys - known->Phys));
            }
        if (deviceMappings != null && deviceMappingCount == PagePool.PageSize / (ulong)sizeof(DeviceMapping))
            return null;
        if (!deviceWindow.Reserve(phys, size, out ulong first, out ulong length, out ulong virt))
            return null;
        if (HypervisorPaging.MapDevice(hypervisorRoot, ref Pool, virt, first, length) != 0)
            return null;
        if (Hypercalls.Pool != null)
            Arch.FlushEl2Tlb();   // set-up is over: the new entries must be visible before use
        if (deviceMappings != null)
            deviceMappings[deviceMappingCount++] = new DeviceMapping { Phys = first, Length = length, Virt = virt };
        return (byte*)(virt + (phys - first));
    }

    private struct DeviceMapping
    {
        public ulong Phys;
        public ulong Length;
        public ulong Virt;
    }

    /// <summary>What the device window holds (one pool page of entries).</summary>
    private static DeviceMapping* deviceMappings;
    private static uint deviceMappingCount;

    /// <summary>Another CPU failed: el2_leave switches stage 2 off again on the way out; the CPU
    /// interface goes back as the kernel had it.</summary>
    public static void AbortCpu(PerCpu* cpu) => Irqchip.ShutdownCpu(cpu->CpuId, cpu);

    /// <summary>Nothing left to do: entry.S returns to the root cell through eret with stage 2 on.</summary>
    public static int Activate(PerCpu* cpu) => 0;

    private static void FirmwareCall(ulong* registers) => Arch.Smc(registers);

    /// <summary>What this CPU's firmware offers (SMCCC), kept in its per-CPU area.</summary>
    public static FirmwareFeatures* Firmware(PerCpu* cpu) => (FirmwareFeatures*)&cpu->ArchData[El2State.Firmware];

    public static int InitCpu(uint cpuId, PerCpu* cpu, SystemConfig config)
    {
        // Before stage 2 and SMC trapping: these SMCs go straight to the firmware.
        FirmwareFeatures firmware = FirmwareFeatures.Discover(&FirmwareCall);
        *Firmware(cpu) = firmware;
        if (firmware.HardenBranchPredictor)
            cpu->ArchData[El2State.SaveFlags] |= El2State.HardenBranchPredictor;
        Arch.SwitchPageTables(hypervisorTables);
        // PSCI, GICD_IROUTER and SGI targets name CPUs by affinity: no place for this one, no CPU.
        ulong mpidr = Arch.ReadMpidr();
        if (!CpuAffinity.Record(ref *Affinities, cpuId, mpidr))
            return Errno.EINVAL;
        int redistributor = RedistributorTrap.InitCpu(cpuId, mpidr);
        if (redistributor != 0)
            return redistributor;
        // Linux's own HCR_EL2 bits stay (pointer authentication and MTE not trapped: API, APK,
        // ATA); stage 2 and the traps upstream sets come on top: SMC, ACTLR_EL1 accesses, data
        // cache maintenance by set/way.
        GicDistributorTrap.InitCpu(cpuId);
        // Physical interrupts to EL2, injected through the list registers (Irqchip); the root
        // cell's only: a non-root cell's CPU still takes them at EL1 (CellCpus).
        Irqchip.InitCpu(cpuId, cpu);
        Arch.EnableStage2(vtcr, vttbr, cpu->ArchData[El2State.Hcr] | CellTraps | Irqchip.HcrBits);
        return 0;
    }
}
