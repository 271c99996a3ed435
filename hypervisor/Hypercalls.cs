namespace Jailhouse.Hypervisor;

/// <summary>
/// What a hypercall may see and change: the root cell's configuration, the per-CPU areas
/// (statistics, failure state) and the debug console. The architecture fills one of these;
/// host tests fill one with test memory.
/// </summary>
internal unsafe struct HypercallContext
{
    public SystemConfig Config;
    /// <summary>Per-CPU area of CPU 0; CPU n's is <see cref="PerCpuStride"/> bytes further.</summary>
    public byte* PerCpuBase;
    public ulong PerCpuStride;
    public uint MaxCpus;
    public ulong PoolPages;
    public ulong PoolUsedPages;
    public delegate*<byte, void> ConsolePut;
    /// <summary>Cell management (<see cref="Control"/>): the page pool, the root cell's second-stage
    /// tables and their format, the cells, the architecture's part. Without them (x86 so far) the
    /// cell hypercalls answer -ENOSYS.</summary>
    public PagePool* Pool;
    public ulong* RootStage2;
    public PagingFormat Stage2Format;
    public delegate*<ulong, ulong> Stage2Flags;
    public CellTable Cells;
    public CellOperations Ops;
    /// <summary>One cell call at a time (create, set loadable, start, destroy, get state).</summary>
    public SpinLock ManagementLock;
    /// <summary>The configuration architecture byte cell configurations must carry (<see cref="SystemConfig.ArchArm64"/>, ...).</summary>
    public byte Architecture;

    public PerCpu* Cpu(uint id) => (PerCpu*)(PerCpuBase + id * PerCpuStride);
}

/// <summary>
/// Jailhouse's hypercall ABI (include/jailhouse/hypercall.h; on arm64 `hvc #0x4a48` with the
/// code in x0, arguments in x1 and x2, result in x0; on x86 `vmcall` with RAX, RDI, RSI). Cell
/// create, start, set-loadable, destroy and get-state are <see cref="Control"/>'s; where the
/// architecture has no cell support (x86 so far) they answer -ENOSYS like an unknown code.
/// </summary>
internal static unsafe class Hypercalls
{
    public const ushort ArmHvcImmediate = 0x4a48;

    public const ulong Disable = 0;
    public const ulong CellCreate = 1;
    public const ulong CellStart = 2;
    public const ulong CellSetLoadable = 3;
    public const ulong CellDestroy = 4;
    public const ulong HypervisorGetInfo = 5;
    public const ulong CellGetState = 6;
    public const ulong CpuGetInfo = 7;
    public const ulong DebugConsolePutc = 8;

    public const ulong InfoMemPoolSize = 0;
    public const ulong InfoMemPoolUsed = 1;
    public const ulong InfoRemapPoolSize = 2;
    public const ulong InfoRemapPoolUsed = 3;
    public const ulong InfoNumCells = 4;

    public const ulong CpuInfoState = 0;
    public const ulong CpuInfoStatBase = 1000;
    public const long CpuRunning = 0;
    /// <summary>JAILHOUSE_CPU_FAILED: the CPU stopped in the hypervisor (an unhandled trap).</summary>
    public const long CpuFailed = 2;
    public const long CellRunning = 0;

    /// <summary>Statistics a CPU keeps (JAILHOUSE_GENERIC_CPU_STATS).</summary>
    public const ulong GenericCpuStats = 4;

    /// <summary>Root cell flag: the cell may print through the debug-console hypercall.</summary>
    public const uint CellVirtualConsolePermitted = 0x4000_0000;

    /// <summary>Runs hypercall <paramref name="code"/> issued on CPU <paramref name="callerCpu"/>; returns x0/RAX.</summary>
    public static long Dispatch(ref HypercallContext context, uint callerCpu, ulong code, ulong arg1, ulong arg2)
    {
        context.Cpu(callerCpu)->Stats[PerCpu.StatVmexitsHypercall]++;
        switch (code)
        {
            case Disable:
                // The architecture takes the calling CPU out of the hypervisor when this returns
                // 0 (the driver calls it on every CPU). A root-cell CPU Linux turned off waits
                // in the hypervisor (and a failed one is stopped there): it would go on running
                // EL2 code in memory the next enable overwrites. Refuse while there is one, as
                // upstream does.
                // Non-root cells first have to be destroyed (upstream: -EBUSY unless only the root is left).
                return context.Cpu(callerCpu)->OwnerCell != null ? Errno.EPERM
                    : context.Cells.Count != 0 || RootCpuHeldInHypervisor(ref context) ? Errno.EBUSY : 0;
            case HypervisorGetInfo:
                return GetInfo(ref context, arg1);
            case CellCreate:
            case CellStart:
            case CellSetLoadable:
            case CellDestroy:
                return CellManagement(ref context, callerCpu, code, arg1);
            case CellGetState:
                // The root cell has ID 0 and no comm region: it is running while we run.
                if (!Control.Supported(ref context))
                    return arg1 == 0 ? CellRunning : Errno.ENOENT;
                return CellManagement(ref context, callerCpu, code, arg1);
            case CpuGetInfo:
                // A non-root cell asks about its own CPUs only, as upstream.
                if (context.Cpu(callerCpu)->OwnerCell != null && (arg1 >= context.MaxCpus || context.Cpu((uint)arg1)->OwnerCell != context.Cpu(callerCpu)->OwnerCell))
                    return Errno.EPERM;
                return GetCpuInfo(ref context, arg1, arg2);
            case DebugConsolePutc:
                Cell* caller = context.Cpu(callerCpu)->OwnerCell;
                if (((caller != null ? caller->Desc.Flags : context.Config.RootCellFlags) & CellVirtualConsolePermitted) == 0)
                    return Errno.EPERM;
                context.ConsolePut((byte)arg1);
                return 0;
            default:
                return Errno.ENOSYS;
        }
    }

    private static long CellManagement(ref HypercallContext context, uint callerCpu, ulong code, ulong argument)
    {
        if (!Control.Supported(ref context))
            return Errno.ENOSYS;
        context.Cpu(callerCpu)->Stats[PerCpu.StatVmexitsManagement]++;
        context.ManagementLock.Acquire(callerCpu);
        long result = code switch
        {
            CellCreate => Control.Create(ref context, callerCpu, argument),
            CellStart => Control.Start(ref context, callerCpu, argument),
            CellSetLoadable => Control.SetLoadable(ref context, callerCpu, argument),
            CellDestroy => Control.Destroy(ref context, callerCpu, argument),
            _ => Control.GetState(ref context, callerCpu, argument),
        };
        context.ManagementLock.Release();
        return result;
    }

    private static bool RootCpuHeldInHypervisor(ref HypercallContext context)
    {
        for (uint cpu = 0; cpu < context.MaxCpus; cpu++)
        {
            if (!context.Config.HasCpu(cpu) || context.Cpu(cpu)->OwnerCell != null)
                continue;
            uint state = Arch.LoadAcquire(ref context.Cpu(cpu)->PowerState);
            if (state == PowerState.Off || state == PowerState.Waking || state == PowerState.Stopping || state == PowerState.Failed)
                return true;
        }
        return false;
    }

    private static long GetInfo(ref HypercallContext context, ulong type) => type switch
    {
        InfoMemPoolSize => (long)(context.Pool != null ? context.Pool->Pages : context.PoolPages),
        InfoMemPoolUsed => (long)(context.Pool != null ? context.Pool->UsedPages : context.PoolUsedPages),
        InfoRemapPoolSize => 0,
        InfoRemapPoolUsed => 0,
        InfoNumCells => 1 + context.Cells.Count,
        _ => Errno.EINVAL,
    };

    private static long GetCpuInfo(ref HypercallContext context, ulong cpu, ulong type)
    {
        if (cpu >= context.MaxCpus || !context.Config.HasCpu((uint)cpu))
            return Errno.EINVAL;
        if (type == CpuInfoState)
            return Arch.LoadAcquire(ref context.Cpu((uint)cpu)->PowerState) == PowerState.Failed ? CpuFailed : CpuRunning;
        if (type >= CpuInfoStatBase && type - CpuInfoStatBase < PerCpu.StatCount)
            return (long)(context.Cpu((uint)cpu)->Stats[(int)(type - CpuInfoStatBase)] & 0x7fff_ffff);
        return Errno.EINVAL;
    }
}
