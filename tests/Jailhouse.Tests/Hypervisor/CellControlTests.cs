using System.Runtime.InteropServices;
using Jailhouse.Config.Model;
using Jailhouse.Hypervisor;
using HvMemoryRegion = Jailhouse.Hypervisor.MemoryRegion;
using HvPagePool = Jailhouse.Hypervisor.PagePool;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// The cell management hypercalls (Control, CellConfigCheck, Cell) as the hypervisor runs them,
/// on the real qemu-arm64 root cell and its inmate-demo cell: the root cell's second-stage
/// tables are built by the image's code in test memory, the cell configuration lies in "root
/// RAM" at a guest-physical address and is read through those tables. What the architecture
/// does to CPUs (park, start) is played by this class the way arch/arm64 does it.
/// </summary>
public sealed unsafe class CellControlTests : IDisposable
{
    private const int Cpus = 4;
    private const int PoolPages = 256;
    /// <summary>Where the cell configuration lies in the root cell's RAM (guest-physical = physical).</summary>
    private const ulong ConfigAddress = 0x4800_0f00;

    private readonly byte* perCpu = (byte*)NativeMemory.AlignedAlloc((nuint)Cpus * PerCpu.AreaSize, 4096);
    private readonly Cell* slots = (Cell*)NativeMemory.AllocZeroed((nuint)(8 * sizeof(Cell)));
    private readonly HvPagePool* pool = (HvPagePool*)NativeMemory.AllocZeroed((nuint)sizeof(HvPagePool));
    private readonly HypervisorTestMemory memory;
    private HypercallContext context;

    [ThreadStatic] private static byte[]? guestConfig;
    [ThreadStatic] private static List<byte>? printed;
    [ThreadStatic] private static int rootFlushes;

    private static void CollectPutc(byte c) => printed!.Add(c);

    /// <summary>"Physical memory": only the bytes of the configuration placed at <see cref="ConfigAddress"/>; elsewhere RAM reads as zero.</summary>
    private static int CopyFromPhys(ulong phys, ulong length, byte* destination)
    {
        for (ulong i = 0; i < length; i++)
        {
            ulong offset = phys + i - ConfigAddress;
            destination[i] = phys + i >= ConfigAddress && offset < (ulong)guestConfig!.Length ? guestConfig[offset] : (byte)0;
        }
        return 0;
    }

    private static void FlushRootTlb() => rootFlushes++;

    /// <summary>As arch/arm64: every CPU of the cell ends up waiting in the hypervisor.</summary>
    private static int ParkCpus(Cell* cell) => 0;

    private static void StartCpu(Cell* cell, uint cpu) { }

    private static void FillComm(byte* page, Jailhouse.Hypervisor.SystemConfig system, CellDesc cell) =>
        CommRegion.FillArm(page, HvPagePool.PageSize, system, cell);

    public CellControlTests()
    {
        memory = new HypervisorTestMemory(HypervisorTestMemory.CompileYaml("configs/qemu-arm64/qemu-arm64.yaml"), PoolPages);
        new Span<byte>(perCpu, Cpus * PerCpu.AreaSize).Clear();
        *pool = memory.NewPool();
        var root = (ulong*)pool->Allocate();
        void* rootComm = pool->Allocate();
        Assert.Equal(0, CellPaging.MapRegions(memory.View, root, ref *pool, Arm64Stage2.Format, &Arm64Stage2.RegionFlags, pool->ToPhys(rootComm)));
        printed = [];
        rootFlushes = 0;
        context = new HypercallContext
        {
            Config = memory.View,
            PerCpuBase = perCpu,
            PerCpuStride = PerCpu.AreaSize,
            MaxCpus = Cpus,
            ConsolePut = &CollectPutc,
            Pool = pool,
            RootStage2 = root,
            Stage2Format = Arm64Stage2.Format,
            Stage2Flags = &Arm64Stage2.RegionFlags,
            Cells = new CellTable(slots, 8),
            Architecture = Jailhouse.Hypervisor.SystemConfig.ArchArm64,
            Ops = new CellOperations
            {
                CopyFromPhys = &CopyFromPhys,
                FlushRootTlb = &FlushRootTlb,
                ParkCpus = &ParkCpus,
                StartCpu = &StartCpu,
                Stage2Pointer = &Arm64Stage2.CellVttbr,
                FillCommRegion = &FillComm,
                MapsRam = &Arm64Stage2.MapsRam,
            },
        };
        for (uint cpu = 0; cpu < Cpus; cpu++)
            context.Cpu(cpu)->PowerState = PowerState.Running;
        // The driver took CPU 1 and 2 offline: they wait in the hypervisor.
        context.Cpu(1)->PowerState = PowerState.Off;
        context.Cpu(2)->PowerState = PowerState.Off;
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(perCpu);
        NativeMemory.Free(slots);
        NativeMemory.Free(pool);
        memory.Dispose();
    }

    private static JailhouseConfig Demo() => HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64-inmate-demo.yaml");

    private long Call(ulong code, ulong argument, uint caller = 0) => Hypercalls.Dispatch(ref context, caller, code, argument, 0);

    private long Create(JailhouseConfig cell, uint caller = 0)
    {
        guestConfig = HypervisorTestMemory.Compile(cell);
        return Call(Hypercalls.CellCreate, ConfigAddress, caller);
    }

    private bool RootMaps(ulong address, out ulong entry) =>
        PageTable.Translate(context.RootStage2, ref *pool, Arm64Stage2.Format, address, out _, out entry);

    private string Printed => System.Text.Encoding.ASCII.GetString(printed!.ToArray());

    [Fact]
    public void A_cell_is_created_loaded_started_and_destroyed_and_everything_comes_back()
    {
        Assert.True(RootMaps(0x7fa0_0000, out ulong rootEntryBefore));
        ulong usedBefore = pool->UsedPages;

        long id = Create(Demo());
        Assert.Equal(1, id);
        Assert.Contains("Created cell \"inmate-demo\"", Printed);
        Assert.Equal(2, Call(Hypercalls.HypervisorGetInfo, Hypercalls.InfoNumCells));
        Assert.Equal(CommRegion.CellShutDown, Call(Hypercalls.CellGetState, 1));
        // The cell's RAM left the root cell; rootshared memory (UART, ivshmem) stayed.
        Assert.False(RootMaps(0x7fa0_0000, out _));
        Assert.False(RootMaps(0x7fa0_f000, out _));
        Assert.True(RootMaps(0x0900_0000, out _));
        Assert.True(RootMaps(0x7faf_1000, out _));
        Assert.True(rootFlushes > 0);
        // CPU 1 is the cell's now; the cell's own tables map its RAM at 0 and the comm page.
        Cell* cell = context.Cells.Find(1);
        Assert.True(context.Cpu(1)->OwnerCell == cell);
        Assert.True(context.Cpu(2)->OwnerCell == null);
        Assert.True(PageTable.Translate(cell->Stage2Root, ref *pool, Arm64Stage2.Format, 0x0, out ulong ramPhys, out _));
        Assert.Equal(0x7fa0_0000UL, ramPhys);
        Assert.True(PageTable.Translate(cell->Stage2Root, ref *pool, Arm64Stage2.Format, 0x8000_0000, out ulong commPhys, out _));
        Assert.Equal(pool->ToPhys(cell->CommPage), commPhys);
        Assert.Equal(Arm64Stage2.Vttbr(pool->ToPhys(cell->Stage2Root), 1), cell->Stage2Pointer);
        Assert.Equal((byte)'J', cell->CommPage[0]);
        Assert.Equal(112u, *(uint*)(cell->CommPage + CommRegion.VpciIrqBaseField));
        Assert.True(cell->OwnsSpi(0x0800_0000, 144));
        Assert.False(context.Cells.RootOwnsSpi(context.Config, 0x0800_0000, 144));
        Assert.True(context.Cells.RootOwnsSpi(context.Config, 0x0800_0000, 143));
        Assert.False(context.Cells.RootHasCpu(context.Config, 1));
        Assert.True(context.Cells.RootHasCpu(context.Config, 2));

        // Loadable: the RAM is lent to the root cell with the root cell's flags.
        Assert.Equal(0, Call(Hypercalls.CellSetLoadable, 1));
        Assert.True(RootMaps(0x7fa0_0000, out ulong lent));
        Assert.Equal(rootEntryBefore, lent);
        Assert.Contains("Cell \"inmate-demo\" can be loaded", Printed);

        // Start: the RAM leaves again, the comm region says running.
        Assert.Equal(0, Call(Hypercalls.CellStart, 1));
        Assert.False(RootMaps(0x7fa0_0000, out _));
        Assert.Equal(CommRegion.CellRunning, Call(Hypercalls.CellGetState, 1));

        // Failed (a CPU of the cell stopped on an error): the root cell sees it and destroys the cell.
        Control.CellFailed(context.Cpu(1));
        Assert.Equal(CommRegion.CellFailed, Call(Hypercalls.CellGetState, 1));
        Assert.Equal(Errno.EBUSY, Call(Hypercalls.Disable, 0));
        Assert.Equal(0, Call(Hypercalls.CellDestroy, 1));
        Assert.Contains("Closing cell \"inmate-demo\"", Printed);
        Assert.Equal(Errno.ENOENT, Call(Hypercalls.CellGetState, 1));
        Assert.Equal(1, Call(Hypercalls.HypervisorGetInfo, Hypercalls.InfoNumCells));
        Assert.True(RootMaps(0x7fa0_0000, out ulong back));
        Assert.Equal(rootEntryBefore, back);
        Assert.True(context.Cpu(1)->OwnerCell == null);
        Assert.Equal(PowerState.Off, context.Cpu(1)->PowerState);
        Assert.Equal(usedBefore, pool->UsedPages);
        // CPU 1 waits for Linux's CPU_ON: disable is refused until then.
        Assert.Equal(Errno.EBUSY, Call(Hypercalls.Disable, 0));
        context.Cpu(1)->PowerState = PowerState.Running;
        context.Cpu(2)->PowerState = PowerState.Running;
        Assert.Equal(0, Call(Hypercalls.Disable, 0));
    }

    [Fact]
    public void A_hundred_create_load_start_destroy_cycles_leave_the_pool_as_it_was()
    {
        ulong usedBefore = pool->UsedPages;
        for (int cycle = 0; cycle < 100; cycle++)
        {
            Assert.Equal(1, Create(Demo()));
            Assert.Equal(0, Call(Hypercalls.CellSetLoadable, 1));
            Assert.Equal(0, Call(Hypercalls.CellStart, 1));
            Assert.Equal(0, Call(Hypercalls.CellDestroy, 1));
            context.Cpu(1)->PowerState = PowerState.Off;
        }
        Assert.Equal(usedBefore, pool->UsedPages);
        Assert.Equal((long)usedBefore, Call(Hypercalls.HypervisorGetInfo, Hypercalls.InfoMemPoolUsed));
    }

    [Fact]
    public void Cell_ids_are_the_lowest_free_and_names_are_unique()
    {
        Assert.Equal(1, Create(Demo()));
        Assert.Equal(Errno.EEXIST, Create(Demo()));
        var second = Demo();
        second.Cell.Name = "second";
        second.Cell.Cpus = [2];
        second.Cell.Irqchips.Clear();
        second.Cell.MemoryRegions.RemoveAll(r => r.Name == "ram");
        Assert.Equal(2, Create(second));
        Assert.Equal(3, Call(Hypercalls.HypervisorGetInfo, Hypercalls.InfoNumCells));
        Assert.Equal(0, Call(Hypercalls.CellDestroy, 1));
        context.Cpu(1)->PowerState = PowerState.Off;
        Assert.Equal(1, Create(Demo()));
    }

    public static TheoryData<string, int> Refusals => new()
    {
        { "cpu0", Errno.EBUSY },
        { "caller", Errno.EBUSY },
        { "cpu-online", Errno.EBUSY },
        { "cpu-beyond", Errno.EBUSY },
        { "no-cpus", Errno.EINVAL },
        { "hypervisor-memory", Errno.EINVAL },
        { "unknown-flags", Errno.EINVAL },
        { "wrap", Errno.EINVAL },
        { "beyond-2^48", Errno.EINVAL },
        { "two-comm-regions", Errno.EINVAL },
        { "gic-distributor", Errno.EINVAL },
        { "gic-redistributors", Errno.EINVAL },
        { "subpage", Errno.EINVAL },
        { "pin-not-root", Errno.EBUSY },
        { "pin-base", Errno.EINVAL },
        { "pci-not-root", Errno.EBUSY },
        { "root-name", Errno.EEXIST },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_hostile_configuration_is_refused_with_upstreams_errno(string what, int errno)
    {
        var cell = Demo();
        uint caller = 0;
        switch (what)
        {
            case "cpu0": cell.Cell.Cpus = [0, 1]; break;
            case "caller": caller = 3; cell.Cell.Cpus = [3]; context.Cpu(3)->PowerState = PowerState.Off; break;
            case "cpu-online": cell.Cell.Cpus = [3]; break;
            case "cpu-beyond": cell.Cell.Cpus = [9]; break;
            case "no-cpus": cell.Cell.Cpus = []; break;
            case "hypervisor-memory": cell.Cell.MemoryRegions[6].PhysStart = 0x7fc0_0000; break;
            case "unknown-flags": cell.Cell.MemoryRegions[6].Flags |= (MemoryFlags)0x200; break;
            case "wrap": cell.Cell.MemoryRegions[6].VirtStart = 0xffff_ffff_ffff_0000; cell.Cell.MemoryRegions[6].Size = 0x20000; break;
            case "beyond-2^48": cell.Cell.MemoryRegions[6].PhysStart = 0xffff_ffff_0000; cell.Cell.MemoryRegions[6].Size = 0x20000; break;
            case "two-comm-regions":
                cell.Cell.MemoryRegions.Add(new Jailhouse.Config.Model.MemoryRegion { VirtStart = 0x9000_0000, Size = 0x1000, Flags = MemoryFlags.Read | MemoryFlags.CommRegion });
                break;
            case "gic-distributor":
                cell.Cell.MemoryRegions.Add(new Jailhouse.Config.Model.MemoryRegion { PhysStart = 0x0800_0000, VirtStart = 0x0800_0000, Size = 0x10000, Flags = MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Io | MemoryFlags.RootShared });
                break;
            case "gic-redistributors":
                // CPU 1's frame, which the cell could then change behind the emulation.
                cell.Cell.MemoryRegions.Add(new Jailhouse.Config.Model.MemoryRegion { PhysStart = 0x080c_0000, VirtStart = 0x080c_0000, Size = 0x20000, Flags = MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Io | MemoryFlags.RootShared });
                break;
            case "subpage":
                // Off page boundaries but not io: nothing the hypervisor could emulate.
                cell.Cell.MemoryRegions.Add(new Jailhouse.Config.Model.MemoryRegion { PhysStart = 0x0900_1000, VirtStart = 0x0900_1000, Size = 0x100, Flags = MemoryFlags.Read | MemoryFlags.Io32 });
                break;
            case "pin-not-root": cell.Cell.Irqchips[0].PinBase = 160; cell.Cell.Irqchips[0].PinBitmap = [1, 0, 0, 0]; break;
            case "pin-base": cell.Cell.Irqchips[0].PinBase = 48; break;
            case "pci-not-root": cell.Cell.PciDevices.Add(new Jailhouse.Config.Model.PciDevice { Type = PciDeviceType.Device, Bdf = 0x0808 }); break;
            case "root-name": cell.Cell.Name = System.Text.Encoding.ASCII.GetString(new ReadOnlySpan<byte>(memory.View.RootCellName, 31)).TrimEnd('\0'); break;
        }
        ulong usedBefore = pool->UsedPages;
        Assert.True(RootMaps(0x7fa0_0000, out _));
        Assert.Equal(errno, Create(cell, caller));
        // Nothing moved: no cell, the root cell keeps its memory and CPUs, the pool is as it was.
        Assert.Equal(1, Call(Hypercalls.HypervisorGetInfo, Hypercalls.InfoNumCells));
        Assert.True(RootMaps(0x7fa0_0000, out _));
        Assert.True(context.Cpu(1)->OwnerCell == null);
        Assert.Equal(usedBefore, pool->UsedPages);
    }

    [ThreadStatic] private static int archCreates;
    [ThreadStatic] private static int archDestroys;
    [ThreadStatic] private static int archCreateResult;

    private static int CreateArch(Cell* cell)
    {
        archCreates++;
        // The cell's CPUs are its own before the architecture sets up its interrupts.
        Assert.Equal(1u, cell->Id);
        return archCreateResult;
    }

    private static void DestroyArch(Cell* cell) => archDestroys++;

    [Fact]
    public void The_architectures_part_runs_at_create_and_destroy_and_its_failure_undoes_the_create()
    {
        archCreates = archDestroys = 0;
        archCreateResult = Errno.ENOMEM;
        context.Ops.CreateArch = &CreateArch;
        context.Ops.DestroyArch = &DestroyArch;
        ulong usedBefore = pool->UsedPages;
        Assert.Equal(Errno.ENOMEM, Create(Demo()));
        Assert.Equal((1, 1), (archCreates, archDestroys));
        Assert.True(context.Cpu(1)->OwnerCell == null);
        Assert.Equal(PowerState.Off, context.Cpu(1)->PowerState);
        Assert.True(RootMaps(0x7fa0_0000, out _));
        Assert.Equal(usedBefore, pool->UsedPages);
        Assert.Equal(1, Call(Hypercalls.HypervisorGetInfo, Hypercalls.InfoNumCells));

        archCreateResult = 0;
        Assert.Equal(1, Create(Demo()));
        Assert.Equal((2, 1), (archCreates, archDestroys));
        Assert.Equal(0, Call(Hypercalls.CellDestroy, 1));
        Assert.Equal((2, 2), (archCreates, archDestroys));
        Assert.Equal(usedBefore, pool->UsedPages);
    }

    [Fact]
    public void Cpus_share_a_cell_only_while_they_belong_to_the_same_one()
    {
        // SGIs and redistributor frames are checked with this (GicDistributorTrap.SameCell).
        context.Cpu(3)->PowerState = PowerState.Absent;                  // never entered
        Assert.True(Control.CpusShareCell(ref context, 0, 1));
        Assert.True(Control.CpusShareCell(ref context, 1, 2));
        Assert.False(Control.CpusShareCell(ref context, 0, 3));
        Assert.False(Control.CpusShareCell(ref context, 0, Cpus));       // beyond max_cpus
        Assert.Equal(1, Create(Demo()));
        Assert.False(Control.CpusShareCell(ref context, 1, 0));          // the cell's CPU 1 and the root cell's
        Assert.False(Control.CpusShareCell(ref context, 0, 1));
        Assert.False(Control.CpusShareCell(ref context, 2, 1));
        Assert.True(Control.CpusShareCell(ref context, 1, 1));
        Assert.True(Control.CpusShareCell(ref context, 0, 2));
        Assert.Equal(0, Call(Hypercalls.CellDestroy, 1));
        Assert.True(Control.CpusShareCell(ref context, 0, 1));           // the root cell's again
    }

    [Fact]
    public void A_subpage_io_region_is_accepted_and_its_page_stays_with_the_root_cell()
    {
        var cell = Demo();
        cell.Cell.MemoryRegions.Add(new Jailhouse.Config.Model.MemoryRegion { PhysStart = 0x0900_0000, VirtStart = 0x0900_0000, Size = 0x100, Flags = MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Io | MemoryFlags.Io32 });
        cell.Cell.MemoryRegions.RemoveAll(r => r.Name == "uart");
        Assert.Equal(1, Create(cell));
        Assert.True(RootMaps(0x0900_0000, out _));
        // Not in the cell's tables: its accesses trap to the cell's MMIO handlers.
        Assert.False(PageTable.Translate(context.Cells.Find(1)->Stage2Root, ref *pool, Arm64Stage2.Format, 0x0900_0000, out _, out _));
        Assert.Equal(0, Call(Hypercalls.CellDestroy, 1));
    }

    [Fact]
    public void Resources_another_cell_took_are_refused()
    {
        Assert.Equal(1, Create(Demo()));
        var other = Demo();
        other.Cell.Name = "other";
        other.Cell.Cpus = [2];
        // Same RAM as inmate-demo.
        Assert.Equal(Errno.EBUSY, Create(other));
        other.Cell.MemoryRegions.RemoveAll(r => r.Name == "ram");
        // Same interrupt pin (144).
        Assert.Equal(Errno.EBUSY, Create(other));
        other.Cell.Irqchips.Clear();
        // CPU 1 is inmate-demo's.
        other.Cell.Cpus = [1];
        Assert.Equal(Errno.EBUSY, Create(other));
        other.Cell.Cpus = [2];
        Assert.Equal(2, Create(other));
    }

    [Fact]
    public void Header_size_and_address_checks()
    {
        var bytes = HypervisorTestMemory.Compile(Demo());
        guestConfig = (byte[])bytes.Clone();
        guestConfig[0] = (byte)'X';
        Assert.Equal(Errno.EINVAL, Call(Hypercalls.CellCreate, ConfigAddress));
        guestConfig = (byte[])bytes.Clone();
        guestConfig[6] = 13;                                   // revision
        Assert.Equal(Errno.EINVAL, Call(Hypercalls.CellCreate, ConfigAddress));
        guestConfig = (byte[])bytes.Clone();
        guestConfig[5] = Jailhouse.Hypervisor.SystemConfig.ArchX86;
        Assert.Equal(Errno.EINVAL, Call(Hypercalls.CellCreate, ConfigAddress));
        guestConfig = (byte[])bytes.Clone();
        // 2^32 - 1 memory regions: far more than 16 pages.
        BitConverter.GetBytes(uint.MaxValue).CopyTo(guestConfig, Jailhouse.Config.Binary.BinaryLayout.CellNumMemoryRegions);
        Assert.Equal(Errno.E2BIG, Call(Hypercalls.CellCreate, ConfigAddress));
        // Not the root cell's memory: nothing at 0x0100_0000 (flash, below its devices)
        // or beyond the guest-physical space.
        guestConfig = bytes;
        Assert.Equal(Errno.ENOMEM, Call(Hypercalls.CellCreate, 0x0100_0000));
        Assert.Equal(Errno.ENOMEM, Call(Hypercalls.CellCreate, 0xffff_ffff_ffff_ff00));
        // The root cell's device window (0x09000000 + 880 MiB): registers are never read.
        Assert.Equal(Errno.EINVAL, Call(Hypercalls.CellCreate, 0x2000_0000));
        Assert.Equal(1, Call(Hypercalls.HypervisorGetInfo, Hypercalls.InfoNumCells));
    }

    [Fact]
    public void Management_is_for_the_root_cell_and_existing_cells_only()
    {
        Assert.Equal(Errno.ENOENT, Call(Hypercalls.CellStart, 5));
        Assert.Equal(Errno.ENOENT, Call(Hypercalls.CellDestroy, 5));
        Assert.Equal(Errno.ENOENT, Call(Hypercalls.CellSetLoadable, 5));
        Assert.Equal(Errno.EINVAL, Call(Hypercalls.CellDestroy, 0));
        Assert.Equal(Errno.ENOENT, Call(Hypercalls.CellGetState, 5));
        Assert.Equal(Hypercalls.CellRunning, Call(Hypercalls.CellGetState, 0));
        Assert.Equal(1, Create(Demo()));
        // From the cell's own CPU: -EPERM for every management call and disable.
        Assert.Equal(Errno.EPERM, Call(Hypercalls.CellDestroy, 1, caller: 1));
        Assert.Equal(Errno.EPERM, Call(Hypercalls.CellStart, 1, caller: 1));
        Assert.Equal(Errno.EPERM, Call(Hypercalls.CellGetState, 1, caller: 1));
        Assert.Equal(Errno.EPERM, Call(Hypercalls.Disable, 0, caller: 1));
        var again = Demo();
        again.Cell.Name = "again";
        again.Cell.Cpus = [2];
        again.Cell.MemoryRegions.RemoveAll(r => r.Name == "ram");
        again.Cell.Irqchips.Clear();
        Assert.Equal(Errno.EPERM, Create(again, caller: 1));
        // A state the cell wrote that is none.
        *(uint*)(context.Cells.Find(1)->CommPage + CommRegion.CellStateField) = 77;
        Assert.Equal(Errno.EINVAL, Call(Hypercalls.CellGetState, 1));
    }

    [Theory]
    [InlineData(CommRegion.ReplyRequestDenied, Errno.EPERM)]
    [InlineData(CommRegion.ReplyRequestApproved, 0)]
    public void A_cell_that_is_not_passive_is_asked_to_shut_down(uint reply, int expected)
    {
        var cell = Demo();
        cell.Cell.Flags &= ~CellFlags.PassiveCommRegion;
        Assert.Equal(1, Create(cell));
        Assert.Equal(0, Call(Hypercalls.CellStart, 1));
        byte* comm = context.Cells.Find(1)->CommPage;
        var answer = new Thread(() =>
        {
            while (Volatile.Read(ref *(uint*)(comm + CommRegion.MsgToCellField)) != CommRegion.MsgShutdownRequest)
                Thread.SpinWait(10);
            Volatile.Write(ref *(uint*)(comm + CommRegion.ReplyFromCellField), reply);
        });
        answer.Start();
        // msg_reply_timeout 0: the hypervisor waits for the answer however long it takes.
        Assert.Equal(expected, Call(Hypercalls.CellDestroy, 1));
        answer.Join();
        Assert.Equal(expected == 0 ? 1 : 2, Call(Hypercalls.HypervisorGetInfo, Hypercalls.InfoNumCells));
    }

    [Fact]
    public void A_cell_that_does_not_answer_in_time_is_failed_and_destroyed()
    {
        var cell = Demo();
        cell.Cell.Flags &= ~CellFlags.PassiveCommRegion;
        cell.Cell.MsgReplyTimeout = 1000;
        Assert.Equal(1, Create(cell));
        Assert.Equal(0, Call(Hypercalls.CellStart, 1));
        Assert.Equal(0, Call(Hypercalls.CellSetLoadable, 1));
        Assert.Contains("Timeout expired while waiting for reply from target cell", Printed);
        Assert.Equal(CommRegion.CellShutDown, Call(Hypercalls.CellGetState, 1));
        Assert.Equal(0, Call(Hypercalls.CellDestroy, 1));
    }

    private static JailhouseConfig Second()
    {
        var second = Demo();
        second.Cell.Name = "second";
        second.Cell.Cpus = [2];
        second.Cell.Irqchips.Clear();
        second.Cell.MemoryRegions.RemoveAll(r => r.Name == "ram");
        return second;
    }

    [Fact]
    public void A_running_locked_cell_forbids_creating_and_destroying_other_cells_but_not_its_own_end()
    {
        Assert.Equal(1, Create(Demo()));
        Assert.Equal(0, Call(Hypercalls.CellStart, 1));
        Assert.Equal(2, Create(Second()));
        Assert.Equal(0, Call(Hypercalls.CellStart, 2));
        byte* comm = context.Cells.Find(1)->CommPage;
        // The cell declares a phase in which the partitioning must not change.
        *(uint*)(comm + CommRegion.CellStateField) = CommRegion.CellRunningLocked;
        Assert.Equal(CommRegion.CellRunningLocked, Call(Hypercalls.CellGetState, 1));
        Assert.Equal(Errno.EPERM, Call(Hypercalls.CellDestroy, 2));
        var third = Second();
        third.Cell.Name = "third";
        third.Cell.Cpus = [3];
        Assert.Equal(Errno.EPERM, Create(third));
        Assert.Equal(3, Call(Hypercalls.HypervisorGetInfo, Hypercalls.InfoNumCells));
        // Start and set-loadable of another cell are no reconfiguration (upstream checks destroy only).
        Assert.Equal(0, Call(Hypercalls.CellSetLoadable, 2));
        // The locked cell itself (passive comm region: it agrees) may still be destroyed; then
        // the others are free again.
        Assert.Equal(0, Call(Hypercalls.CellDestroy, 1));
        Assert.Equal(0, Call(Hypercalls.CellDestroy, 2));
        Assert.Equal(1, Call(Hypercalls.HypervisorGetInfo, Hypercalls.InfoNumCells));
    }

    [Theory]
    [InlineData(CommRegion.ReplyReceived)]
    [InlineData(CommRegion.ReplyUnknown)]
    public void Other_cells_are_told_when_a_reconfiguration_completed(uint reply)
    {
        var cell = Demo();
        cell.Cell.Flags &= ~CellFlags.PassiveCommRegion;
        Assert.Equal(1, Create(cell));
        Assert.Equal(0, Call(Hypercalls.CellStart, 1));
        byte* comm = context.Cells.Find(1)->CommPage;
        int told = 0;
        bool stop = false;
        var answer = new Thread(() =>
        {
            // Answers every "reconfiguration completed" until the test is over.
            while (!Volatile.Read(ref stop))
            {
                if (Volatile.Read(ref *(uint*)(comm + CommRegion.MsgToCellField)) != CommRegion.MsgReconfigCompleted)
                {
                    Thread.SpinWait(10);
                    continue;
                }
                // Counted before the reply, which is what lets the hypercall return.
                Interlocked.Increment(ref told);
                Volatile.Write(ref *(uint*)(comm + CommRegion.MsgToCellField), CommRegion.MsgNone);
                Volatile.Write(ref *(uint*)(comm + CommRegion.ReplyFromCellField), reply);
            }
        });
        answer.Start();
        try
        {
            // The information is delivered whatever the answer (an unknown one does not fail the
            // call): once after the create, once after the destroy of the second cell.
            Assert.Equal(2, Create(Second()));
            Assert.Equal(1, Volatile.Read(ref told));
            Assert.Equal(0, Call(Hypercalls.CellDestroy, 2));
            Assert.Equal(2, Volatile.Read(ref told));
        }
        finally
        {
            Volatile.Write(ref stop, true);
            answer.Join();
        }
        Assert.Equal(CommRegion.CellRunning, Call(Hypercalls.CellGetState, 1));
    }

    /// <summary>
    /// A root-cell CPU_ON that passed its owner check before a create took the CPU: under the
    /// ownership lock it finds the CPU no longer its cell's and starts nothing.
    /// </summary>
    [Fact]
    public void Cpu_on_from_the_root_cell_cannot_start_a_cpu_a_create_took()
    {
        Assert.Equal(1, Create(Demo()));
        PerCpu* taken = context.Cpu(1);
        Assert.Equal(PsciEmulation.InvalidParameters, PsciEmulation.CpuOn(0, null, taken, 0x4020_0000, 0));
        Assert.Equal(PowerState.Off, taken->PowerState);
        Assert.Equal(0, Call(Hypercalls.CellStart, 1));
    }

    /// <summary>
    /// The other order: the root cell turns a CPU on while a create that already checked it is
    /// building the cell. The create waits for the CPU_ON, then finds the CPU waking and gives
    /// everything back (-EBUSY); the CPU stays the root cell's.
    /// </summary>
    [Fact]
    public void A_create_racing_a_root_cpu_on_leaves_the_cpu_to_the_root_cell()
    {
        ulong usedBefore = pool->UsedPages;
        long result = 99;
        CpuOwnership.Lock.Acquire(0);                   // CPU 0 inside CPU_ON
        var creator = new Thread(() => result = Create(Demo(), caller: 2)) { IsBackground = true };
        creator.Start();
        try
        {
            // Past the configuration checks: the create has built the cell's tables and now
            // waits for the lock to claim CPU 1.
            SpinWait.SpinUntil(() => pool->UsedPages > usedBefore + 1, TimeSpan.FromSeconds(30));
            Assert.True(pool->UsedPages > usedBefore + 1, "the create never got past its checks");
            Assert.True(creator.IsAlive);
            Volatile.Write(ref context.Cpu(1)->PowerState, PowerState.Waking);
        }
        finally
        {
            CpuOwnership.Lock.Release();
        }
        Assert.True(creator.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(Errno.EBUSY, result);
        Assert.True(context.Cpu(1)->OwnerCell == null);
        Assert.Equal(usedBefore, pool->UsedPages);
        Assert.Equal(1, Call(Hypercalls.HypervisorGetInfo, Hypercalls.InfoNumCells));
    }
}
