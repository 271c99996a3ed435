namespace Jailhouse.Hypervisor;

/// <summary>
/// x86-64 setup: the page pool behind the system configuration, the host page tables
/// (<see cref="X86HostPaging"/>), the root cell's EPT from its memory regions (hypervisor
/// memory stays unmapped but for the read-only shadow; the xAPIC page and the IOAPICs of its
/// irqchips stay unmapped too: they are emulated, <see cref="X86InterruptHardware"/>), its I/O
/// and MSR bitmaps, its sub-page regions for MMIO dispatch, and per CPU VMX with a VMCS that turns the calling Linux into the root cell's
/// guest (<see cref="Vmx"/>).
/// </summary>
internal static unsafe class ArchSetup
{
    public const byte ConfigArchitecture = SystemConfig.ArchX86;
    private const ushort ConsoleType8250 = 2;
    private const ushort ConsoleFlagMmio = 1;
    private const ushort ConsoleFlagRegDist4 = 2;
    private const uint MaxSubpageRegions = 16;

    private static PagePool pool;
    private static SpinLock poolLock;
    private static Vmx.Tables tables;
    private static ulong* idt;
    private static MmioRegionHandler* mmioRegions;
    private static SubpageDevice* subpageDevices;
    internal static HypercallContext Hypercalls;
    internal static SystemConfig Config;
    internal static MmioDispatch Mmio;

    /// <summary>An 8250 debug console: port I/O, or MMIO through the driver's mapping (debug_console_base).</summary>
    public static void AttachConsole(HypervisorHeader* header, SystemConfig config)
    {
        if (config.DebugConsoleType != ConsoleType8250)
            return;
        if ((config.DebugConsoleFlags & ConsoleFlagMmio) != 0)
            Uart.AttachMmio(header->DebugConsoleBase, (config.DebugConsoleFlags & ConsoleFlagRegDist4) != 0 ? 4 : 1);
        else
            Uart.AttachPort((ushort)config.DebugConsoleAddress);
    }

    public static int InitGlobal(HypervisorHeader* header, SystemConfig config)
    {
        Config = config;
        byte* hypervisorBase = (byte*)header;
        pool = new PagePool(config.Address + config.Size, hypervisorBase + config.HypervisorSize, config.HypervisorPhys - (ulong)hypervisorBase);
        ulong* hostPml4 = (ulong*)pool.Allocate();
        ulong* pml4 = (ulong*)pool.Allocate();
        void* commPage = pool.Allocate();
        void* emptyPage = pool.Allocate();
        byte* ioBitmap = (byte*)pool.Allocate();
        byte* ioBitmapB = (byte*)pool.Allocate();
        byte* msrBitmap = (byte*)pool.Allocate();
        mmioRegions = (MmioRegionHandler*)pool.Allocate();
        subpageDevices = (SubpageDevice*)pool.Allocate();
        idt = (ulong*)pool.Allocate();
        if (idt == null || hostPml4 == null || pml4 == null || commPage == null || emptyPage == null || ioBitmap == null || ioBitmapB == null
            || msrBitmap == null || mmioRegions == null || subpageDevices == null)
            return Errno.ENOMEM;

        // Every CPU switches to the host tables, descriptor tables included, on its first exit.
        int result = X86HostPaging.Build(hostPml4, ref pool, (ulong)hypervisorBase, config.HypervisorPhys, config.HypervisorSize,
            (config.DebugConsoleFlags & ConsoleFlagMmio) != 0 ? header->DebugConsoleBase : 0, config.DebugConsoleAddress);
        if (result != 0)
            return Report("host page tables", result);
        X86HostDescriptors.FillIdt(idt, Arch.ExceptionStubsAddress());

        CommRegion.FillX86((byte*)commPage, PagePool.PageSize, config);
        PagingFormat format = X86Ept.Format;
        result = CellPaging.MapRegions(config, pml4, ref pool, format, &X86Ept.RegionFlags, pool.ToPhys(commPage));
        if (result == 0)
        {
            ulong consolePhys = (config.Flags & VirtualConsole.SystemFlagVirtualDebugConsole) != 0
                ? pool.ToPhys(hypervisorBase + header->ConsolePage) : 0;
            result = CellPaging.MapHypervisorShadow(config, pml4, ref pool, format, X86Ept.RegionFlags(MemoryRegion.Read),
                pool.ToPhys(emptyPage), consolePhys);
        }
        if (result == 0)
            result = CheckInterruptControllersUnmapped(config);
        if (result != 0)
            return Report("root cell EPT", result);

        X86Bitmaps.FillIo(ioBitmap, ioBitmapB, config);
        X86Bitmaps.FillMsr(msrBitmap);
        Mmio = new MmioDispatch(mmioRegions, (uint)(PagePool.PageSize / (ulong)sizeof(MmioRegionHandler)));
        result = MmioSubpage.RegisterAll(config.RootDesc, ref Mmio, subpageDevices, MaxSubpageRegions, &MapDevice);
        if (result != 0)
            return Report("sub-page regions", result);
        result = X86Mmconfig.Register(config, ref Mmio);
        if (result != 0)
            return Report("MMCONFIG window", result);
        result = X86InterruptHardware.Init(config, ref Mmio);
        if (result != 0)
            return Report("APIC and IOAPIC emulation", result);

        tables = new Vmx.Tables
        {
            HostCr3 = pool.ToPhys(hostPml4),
            EptPointer = X86Ept.Pointer(pool.ToPhys(pml4)),
            IoBitmapA = pool.ToPhys(ioBitmap),
            IoBitmapB = pool.ToPhys(ioBitmapB),
            MsrBitmap = pool.ToPhys(msrBitmap),
        };
        Hypercalls = Setup.RootCellReady("Root cell EPT: PML4 at ", pool.ToPhys(pml4), header, config, pool);
        return 0;
    }

    /// <summary>A memory region over the xAPIC page or an IOAPIC would hand the cell the
    /// registers the emulation guards: -EINVAL.</summary>
    private static int CheckInterruptControllersUnmapped(in SystemConfig config)
    {
        for (uint r = 0; r < config.MemoryRegionCount; r++)
        {
            MemoryRegion region = config.MemoryRegion(r);
            bool overlaps = Overlaps(region, X86Apic.XapicBase);
            for (uint i = 0; !overlaps && i < config.IrqchipCount; i++)
                overlaps = Overlaps(region, config.IrqchipAddress(i) & ~(PagePool.PageSize - 1));
            if (overlaps)
            {
                DebugConsole.Print("memory region at 0x%x covers the local APIC or an IOAPIC\n", region.Virt);
                return Errno.EINVAL;
            }
        }
        return 0;
    }

    private static bool Overlaps(in MemoryRegion region, ulong page) =>
        region.Virt < page + PagePool.PageSize && page < region.Virt + region.Size;

    /// <summary>Sub-page regions are performed through the host's uncached identity map.</summary>
    private static byte* MapDevice(ulong phys, ulong size) =>
        phys + size <= X86HostPaging.IdentitySize ? X86HostPaging.Device(phys) : null;

    private static int Report(string what, int result)
    {
        DebugConsole.Write(what);
        DebugConsole.Print(" failed: %d\n", unchecked((ulong)result));
        return result;
    }

    public static int InitCpu(uint cpuId, PerCpu* cpu, SystemConfig config)
    {
        int apicResult = X86InterruptHardware.InitCpu(cpuId, cpu);
        if (apicResult != 0)
        {
            DebugConsole.Print("CPU %d: local APIC not usable (mode differs, off, or ID taken): %d\n", cpuId, unchecked((ulong)apicResult));
            return apicResult;
        }
        // The CPUs take their VMXON, VMCS, descriptor and interrupt-stack pages from one pool.
        poolLock.Acquire(cpuId);
        byte* descriptors = (byte*)pool.Allocate();
        byte* interruptStack = (byte*)pool.Allocate();
        int result = descriptors == null || interruptStack == null ? Errno.ENOMEM : Vmx.Enable(cpu, ref pool);
        poolLock.Release();
        if (result == Errno.ENODEV)
            DebugConsole.Write("VT-x is not available (CPUID or IA32_FEATURE_CONTROL)\n");
        if (result != 0)
            return result;
        X86HostDescriptors.FillTss(descriptors + X86HostDescriptors.TssOffset, (ulong)(interruptStack + PagePool.PageSize));
        X86HostDescriptors.FillGdt((ulong*)descriptors, (ulong)(descriptors + X86HostDescriptors.TssOffset));
        var host = new Vmx.HostTables { Gdt = (ulong)descriptors, Idt = (ulong)idt, LeaveScratch = (ulong)(descriptors + X86HostDescriptors.LeaveScratchOffset) };
        result = Vmx.SetupVmcs(cpu, tables, host, (ulong*)cpu->CallerStack);
        if (result != 0)
        {
            DebugConsole.Write("VMCS set-up failed\n");
            Arch.VmxOff();
        }
        return result;
    }

    /// <summary>Another CPU failed: leave VMX operation again.</summary>
    public static void AbortCpu(PerCpu* cpu) => Arch.VmxOff();

    /// <summary>After every CPU's setup: enter the guest. Returns only on failure.</summary>
    public static int Activate(PerCpu* cpu)
    {
        int result = Arch.VmxLaunch(cpu);
        DebugConsole.Print("VMLAUNCH failed, instruction error %d\n", Arch.VmRead(Vmcs.InstructionError));
        Arch.VmxOff();
        return result;
    }
}
