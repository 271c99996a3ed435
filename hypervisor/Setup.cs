using System.Runtime;

namespace Jailhouse.Hypervisor;

/// <summary>
/// The C# side of hypervisor entry. arch_entry (arch/*/entry.S) has switched to the hypervisor's
/// own page tables, stack and trap vectors and enabled FP/SIMD; it calls <see cref="Init"/> once
/// per online CPU with the header and the system configuration mapped at their hypervisor
/// addresses. The result goes back to the driver's entry() call: 0, or a negative errno that
/// every CPU returns alike (bootstrap-interface.txt).
/// </summary>
internal static unsafe class Setup
{
    private static HypervisorHeader* header;
    private static SystemConfig config;
    private static int globalResult;
    private static uint cpuFailure;

    [RuntimeExport("hypervisor_init")]
    public static int Init(uint cpuId, PerCpu* cpu, HypervisorHeader* hypervisorHeader, byte* systemConfig)
    {
        cpu->CpuId = cpuId;
        if (Sync.ArriveFirst())
        {
            Sync.WaitForArrivals(hypervisorHeader->OnlineCpus);
            header = hypervisorHeader;
            config = new SystemConfig(systemConfig);
            globalResult = InitGlobal();
            Sync.ReleaseGlobal();
        }
        else
        {
            Sync.WaitForGlobal();
        }
        if (globalResult != 0)
            return globalResult;
        // An online CPU the root cell does not have would run Linux outside any cell: refuse,
        // on every CPU alike (they have all arrived, so nobody waits for it).
        int result = config.HasCpu(cpuId) ? ArchSetup.InitCpu(cpuId, cpu, config) : Errno.EINVAL;
        if (!config.HasCpu(cpuId))
        {
            DebugConsole.BeginLine(cpuId);
            DebugConsole.Print("CPU %d is online but not in the root cell\n", cpuId);
            DebugConsole.EndLine();
        }
        if (result != 0)
            Arch.StoreRelease(ref cpuFailure, (uint)result);
        Sync.WaitForAll(header->OnlineCpus);
        // One CPU's failure is every CPU's: the driver's entry() calls all return the same code.
        int failure = (int)Arch.LoadAcquire(ref cpuFailure);
        if (failure != 0)
        {
            if (result == 0)
                ArchSetup.AbortCpu(cpu);
            return failure;
        }
        Arch.StoreRelease(ref cpu->PowerState, PowerState.Running);
        DebugConsole.BeginLine(cpuId);
        DebugConsole.Print("CPU %d activated\n", cpuId);
        DebugConsole.EndLine();
        return ArchSetup.Activate(cpu);
    }

    private static int InitGlobal()
    {
        ArchSetup.AttachConsole(header, config);
        if ((config.Flags & VirtualConsole.SystemFlagVirtualDebugConsole) != 0)
            VirtualConsole.Attach((byte*)header + header->ConsolePage);
        DebugConsole.Write("\nJailhouse hypervisor in C# (" + Arch.Name + ") initializing\n");

        // The driver copied the configuration behind the per-CPU areas; it may use the rest of
        // hypervisor memory. Its true size is only known once the counts are read, so the
        // check bounds it by what lies between it and the end of hypervisor memory.
        ulong coreAndPerCpu = header->CoreSize + header->MaxCpus * header->PerCpuSize;
        ulong available = config.HypervisorSize > coreAndPerCpu ? config.HypervisorSize - coreAndPerCpu : 0;
        int check = config.Check(ArchSetup.ConfigArchitecture, available);
        if (check != 0)
        {
            DebugConsole.Write("invalid system configuration\n");
            return check;
        }
        if (header->MaxCpus == 0 || header->MaxCpus > config.MaxCpuId)
        {
            DebugConsole.Write("max_cpus does not match the root cell's CPU set\n");
            return Errno.EINVAL;
        }

        DebugConsole.Print("System configuration: root cell \"%s\", %d CPUs, %d memory regions\n",
            (ulong)config.RootCellName, config.CpuCount, config.MemoryRegionCount);
        DebugConsole.Print("Hypervisor memory: 0x%x + 0x%x, core 0x%x, online CPUs %d\n",
            config.HypervisorPhys, config.HypervisorSize, header->CoreSize, header->OnlineCpus);

        return ArchSetup.InitGlobal(header, config);
    }

    /// <summary>
    /// The end of every architecture's global set-up: reports the root cell's second-stage
    /// table and the page pool's use, and returns what the hypercalls need.
    /// </summary>
    internal static HypercallContext RootCellReady(string tableName, ulong tablePhys, HypervisorHeader* hypervisorHeader,
        SystemConfig systemConfig, in PagePool pool)
    {
        DebugConsole.Write(tableName);
        DebugConsole.Print("0x%x, page pool %u/%u pages used\n", tablePhys, pool.UsedPages, pool.Pages);
        return new HypercallContext
        {
            Config = systemConfig,
            PerCpuBase = (byte*)hypervisorHeader + hypervisorHeader->CoreSize,
            PerCpuStride = hypervisorHeader->PerCpuSize,
            MaxCpus = hypervisorHeader->MaxCpus,
            PoolPages = pool.Pages,
            PoolUsedPages = pool.UsedPages,
            ConsolePut = &DebugConsole.Put,
        };
    }
}
