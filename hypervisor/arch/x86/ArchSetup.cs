namespace Jailhouse.Hypervisor;

/// <summary>
/// x86-64 setup: the page pool behind the system configuration, the root cell's EPT from its
/// memory regions (hypervisor memory stays unmapped), and per CPU VMX with a VMCS that turns
/// the calling Linux into the root cell's guest (<see cref="Vmx"/>).
/// </summary>
internal static unsafe class ArchSetup
{
    public const byte ConfigArchitecture = SystemConfig.ArchX86;
    private const ushort ConsoleType8250 = 2;
    private const ushort ConsoleFlagMmio = 1;
    private const ushort ConsoleFlagRegDist4 = 2;

    private static PagePool pool;
    private static SpinLock poolLock;
    private static ulong eptPointer;
    internal static HypercallContext Hypercalls;

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
        byte* hypervisorBase = (byte*)header;
        pool = new PagePool(config.Address + config.Size, hypervisorBase + config.HypervisorSize, config.HypervisorPhys - (ulong)hypervisorBase);
        ulong* pml4 = (ulong*)pool.Allocate();
        void* commPage = pool.Allocate();
        void* emptyPage = pool.Allocate();
        if (pml4 == null || commPage == null || emptyPage == null)
            return Errno.ENOMEM;
        CommRegion.FillX86((byte*)commPage, PagePool.PageSize, config);
        PagingFormat format = X86Ept.Format;
        int result = CellPaging.MapRegions(config, pml4, ref pool, format, &X86Ept.RegionFlags, pool.ToPhys(commPage));
        if (result == 0)
        {
            ulong consolePhys = (config.Flags & VirtualConsole.SystemFlagVirtualDebugConsole) != 0
                ? pool.ToPhys(hypervisorBase + header->ConsolePage) : 0;
            result = CellPaging.MapHypervisorShadow(config, pml4, ref pool, format, X86Ept.RegionFlags(MemoryRegion.Read),
                pool.ToPhys(emptyPage), consolePhys);
        }
        if (result != 0)
        {
            DebugConsole.Write("root cell EPT failed: ");
            DebugConsole.WriteDecimal(result);
            DebugConsole.Write("\n");
            return result;
        }
        eptPointer = X86Ept.Pointer(pool.ToPhys(pml4));
        Hypercalls = Setup.RootCellReady("Root cell EPT: PML4 at ", pool.ToPhys(pml4), header, config, pool);
        return 0;
    }

    public static int InitCpu(uint cpuId, PerCpu* cpu, SystemConfig config)
    {
        poolLock.Acquire(); // the CPUs take their VMXON and VMCS pages from one pool
        int result = Vmx.Enable(cpu, ref pool);
        poolLock.Release();
        if (result == Errno.ENODEV)
            DebugConsole.Write("VT-x is not available (CPUID or IA32_FEATURE_CONTROL)\n");
        if (result != 0)
            return result;
        result = Vmx.SetupVmcs(cpu, eptPointer, (ulong*)cpu->CallerStack);
        if (result != 0)
            Arch.VmxOff();
        return result;
    }

    /// <summary>Another CPU failed: leave VMX operation again.</summary>
    public static void AbortCpu(PerCpu* cpu) => Arch.VmxOff();

    /// <summary>After every CPU's setup: enter the guest. Returns only on failure.</summary>
    public static int Activate(PerCpu* cpu)
    {
        int result = Arch.VmxLaunch(cpu);
        DebugConsole.Write("VMLAUNCH failed, instruction error ");
        DebugConsole.WriteDecimal((long)Arch.VmRead(Vmcs.InstructionError));
        DebugConsole.Write("\n");
        Arch.VmxOff();
        return result;
    }
}
