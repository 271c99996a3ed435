using System.Runtime.InteropServices;
using Jailhouse.Config.Model;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>Hypercall dispatch (Hypercalls.Dispatch) as the hypervisor runs it, on the real qemu-arm64 root cell.</summary>
public sealed unsafe class HypercallTests : IDisposable
{
    private const int Cpus = 16;
    private readonly byte* perCpu = (byte*)NativeMemory.AlignedAlloc((nuint)Cpus * PerCpu.AreaSize, 4096);
    private readonly List<HypervisorTestMemory> memories = [];

    [ThreadStatic] private static List<byte>? printed;

    private static void CollectPutc(byte c) => printed!.Add(c);

    private HypercallContext Context(JailhouseConfig model)
    {
        var memory = new HypervisorTestMemory(HypervisorTestMemory.Compile(model), 1);
        memories.Add(memory);
        new Span<byte>(perCpu, Cpus * PerCpu.AreaSize).Clear();
        printed = [];
        return new HypercallContext
        {
            Config = memory.View,
            PerCpuBase = perCpu,
            PerCpuStride = PerCpu.AreaSize,
            MaxCpus = Cpus,
            PoolPages = 947,
            PoolUsedPages = 6,
            ConsolePut = &CollectPutc,
        };
    }

    private static JailhouseConfig Root() => HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");

    [Fact]
    public void InformationHypercallsAnswerForTheRootCell()
    {
        var context = Context(Root());
        Assert.Equal(947, Hypercalls.Dispatch(ref context, 0, Hypercalls.HypervisorGetInfo, Hypercalls.InfoMemPoolSize, 0));
        Assert.Equal(6, Hypercalls.Dispatch(ref context, 0, Hypercalls.HypervisorGetInfo, Hypercalls.InfoMemPoolUsed, 0));
        Assert.Equal(1, Hypercalls.Dispatch(ref context, 0, Hypercalls.HypervisorGetInfo, Hypercalls.InfoNumCells, 0));
        Assert.Equal(Errno.EINVAL, Hypercalls.Dispatch(ref context, 0, Hypercalls.HypervisorGetInfo, 5, 0));
        Assert.Equal(Hypercalls.CellRunning, Hypercalls.Dispatch(ref context, 0, Hypercalls.CellGetState, 0, 0));
        Assert.Equal(Errno.ENOENT, Hypercalls.Dispatch(ref context, 0, Hypercalls.CellGetState, 1, 0));
        Assert.Equal(Hypercalls.CpuRunning, Hypercalls.Dispatch(ref context, 0, Hypercalls.CpuGetInfo, 15, Hypercalls.CpuInfoState));
        Assert.Equal(Errno.EINVAL, Hypercalls.Dispatch(ref context, 0, Hypercalls.CpuGetInfo, 16, Hypercalls.CpuInfoState));
        Assert.Equal(Errno.EINVAL, Hypercalls.Dispatch(ref context, 0, Hypercalls.CpuGetInfo, 1, 999));
    }

    /// <summary>Upstream refuses too: a CPU Linux turned off (PSCI CPU_OFF) waits in the hypervisor,
    /// a failed one is stopped there; either would run EL2 code the next enable overwrites.</summary>
    [Theory]
    [InlineData(PowerState.Off)]
    [InlineData(PowerState.Waking)]
    [InlineData(PowerState.Stopping)]
    [InlineData(PowerState.Failed)]
    public void DisableIsRefusedWhileARootCpuIsHeldInTheHypervisor(uint heldState)
    {
        var context = Context(Root());
        for (uint cpu = 0; cpu < 4; cpu++)
            context.Cpu(cpu)->PowerState = PowerState.Running;
        Assert.Equal(0, Hypercalls.Dispatch(ref context, 0, Hypercalls.Disable, 0, 0));
        context.Cpu(3)->PowerState = heldState;
        Assert.Equal(Errno.EBUSY, Hypercalls.Dispatch(ref context, 0, Hypercalls.Disable, 0, 0));
        // A CPU that never entered (offline at enable) runs no hypervisor code.
        context.Cpu(3)->PowerState = PowerState.Absent;
        Assert.Equal(0, Hypercalls.Dispatch(ref context, 0, Hypercalls.Disable, 0, 0));
    }

    [Fact]
    public void AStoppedCpuReportsFailed()
    {
        var context = Context(Root());
        context.Cpu(1)->PowerState = PowerState.Running;
        Assert.Equal(Hypercalls.CpuRunning, Hypercalls.Dispatch(ref context, 0, Hypercalls.CpuGetInfo, 1, Hypercalls.CpuInfoState));
        // Failed once its report is out: whoever sees it failed finds the report on the console.
        context.Cpu(1)->PowerState = PowerState.Stopping;
        Assert.Equal(Hypercalls.CpuRunning, Hypercalls.Dispatch(ref context, 0, Hypercalls.CpuGetInfo, 1, Hypercalls.CpuInfoState));
        context.Cpu(1)->PowerState = PowerState.Failed;
        Assert.Equal(Hypercalls.CpuFailed, Hypercalls.Dispatch(ref context, 0, Hypercalls.CpuGetInfo, 1, Hypercalls.CpuInfoState));
    }

    [Fact]
    public void StatisticsCountHypercallsPerCpu()
    {
        var context = Context(Root());
        for (int i = 0; i < 3; i++)
            Hypercalls.Dispatch(ref context, 2, Hypercalls.CellGetState, 0, 0);
        // The query itself is the fourth hypercall on CPU 2.
        Assert.Equal(4, Hypercalls.Dispatch(ref context, 2, Hypercalls.CpuGetInfo, 2, Hypercalls.CpuInfoStatBase + PerCpu.StatVmexitsHypercall));
        Assert.Equal(1, Hypercalls.Dispatch(ref context, 0, Hypercalls.CpuGetInfo, 0, Hypercalls.CpuInfoStatBase + PerCpu.StatVmexitsHypercall));
        // The architecture statistics (x86: PIO, xAPIC, CR, CPUID) follow the generic ones; none beyond.
        Assert.Equal(0, Hypercalls.Dispatch(ref context, 0, Hypercalls.CpuGetInfo, 0, Hypercalls.CpuInfoStatBase + Hypercalls.GenericCpuStats));
        Assert.Equal(Errno.EINVAL, Hypercalls.Dispatch(ref context, 0, Hypercalls.CpuGetInfo, 0, Hypercalls.CpuInfoStatBase + PerCpu.StatCount));
    }

    [Fact]
    public void DebugConsolePutcNeedsTheCellsPermission()
    {
        var denied = Context(Root());
        Assert.Equal(Errno.EPERM, Hypercalls.Dispatch(ref denied, 0, Hypercalls.DebugConsolePutc, 'x', 0));
        Assert.Empty(printed!);

        var model = Root();
        model.Cell.Flags |= CellFlags.VirtualConsolePermitted;
        var allowed = Context(model);
        foreach (char c in "ok\n")
            Assert.Equal(0, Hypercalls.Dispatch(ref allowed, 0, Hypercalls.DebugConsolePutc, c, 0));
        Assert.Equal("ok\n"u8.ToArray(), printed!.ToArray());
    }

    [Fact]
    public void DisableSucceedsForTheRootCellAndUnimplementedCodesAnswerEnosys()
    {
        // This context has no cell operations (as x86 so far): the cell calls answer -ENOSYS too.
        var context = Context(Root());
        foreach (ulong code in new[] { Hypercalls.CellCreate, Hypercalls.CellStart, Hypercalls.CellSetLoadable, Hypercalls.CellDestroy, 9UL, ulong.MaxValue })
            Assert.Equal(Errno.ENOSYS, Hypercalls.Dispatch(ref context, 0, code, 0, 0));
        Assert.Equal(0, Hypercalls.Dispatch(ref context, 0, Hypercalls.Disable, 0, 0));
        // Six refused, the disable and this query: every call counts.
        Assert.Equal(8, Hypercalls.Dispatch(ref context, 0, Hypercalls.CpuGetInfo, 0, Hypercalls.CpuInfoStatBase + PerCpu.StatVmexitsHypercall));
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(perCpu);
        foreach (var memory in memories)
            memory.Dispose();
    }
}
