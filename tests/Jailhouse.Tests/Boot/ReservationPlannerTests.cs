using Jailhouse.Boot;
using Jailhouse.Config.Yaml;

namespace Jailhouse.Tests.Boot;

public class ReservationPlannerTests
{
    private static BoardDescription Board(string name) =>
        BoardDescriptionReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "bsp", name, "board.yaml"));

    private static (string, Config.Model.JailhouseConfig) Cell(string board, string name) =>
        (name, YamlConfigReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "configs", board, name + ".yaml")));

    [Fact]
    public void QemuArm64TopOfRamWithMem()
    {
        var plan = ReservationPlanner.Plan(Board("qemu-arm64"));
        Assert.Equal((0x70000000UL, 256UL << 20), (plan.Start, plan.Size));
        Assert.Equal(0x7fc00000UL, plan.HypervisorBase);
        Assert.Equal("mem=768M", plan.KernelArgument);
        // Upstream's configurations fit the plan.
        var system = YamlConfigReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "configs", "qemu-arm64", "qemu-arm64.yaml"));
        Assert.Empty(ReservationPlanner.Check(plan, system, [Cell("qemu-arm64", "qemu-arm64-inmate-demo"), Cell("qemu-arm64", "qemu-arm64-linux-demo")]));
    }

    [Fact]
    public void Arm64BoardsKeepLinuxOutOfVheOnTheCommandLine()
    {
        var arm64 = Board("qemu-arm64");
        Assert.Equal(["console=ttyAMA0", "kvm-arm.mode=none", "id_aa64mmfr1.vh=0", "mem=768M"],
            ReservationPlanner.KernelArguments(arm64, ReservationPlanner.Plan(arm64)));
        // Without a reservation too, and only once when the board lists it itself.
        Assert.Contains("id_aa64mmfr1.vh=0", ReservationPlanner.KernelArguments(arm64, null));
        arm64.KernelArguments.Add("id_aa64mmfr1.vh=0");
        Assert.Single(ReservationPlanner.KernelArguments(arm64, null), a => a.StartsWith("id_aa64mmfr1.vh=", StringComparison.Ordinal));
        var x86 = Board("qemu-x86");
        Assert.DoesNotContain(ReservationPlanner.KernelArguments(x86, ReservationPlanner.Plan(x86)), a => a.StartsWith("id_aa64mmfr1", StringComparison.Ordinal));
    }

    [Fact]
    public void QemuX86BelowTheFirmwareWithMemmap()
    {
        var plan = ReservationPlanner.Plan(Board("qemu-x86"));
        Assert.Equal("memmap=82M$0x3a000000", plan.KernelArgument);
        Assert.Equal((0x3a000000UL, 0x3a600000UL, 0x3f000000UL), (plan.HypervisorBase, plan.InmatesBase, plan.SharedMemoryBase));
        var system = YamlConfigReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "configs", "qemu-x86", "qemu-x86.yaml"));
        Assert.Empty(ReservationPlanner.Check(plan, system, [Cell("qemu-x86", "apic-demo"), Cell("qemu-x86", "tiny-demo"), Cell("qemu-x86", "linux-x86-demo")]));
    }

    [Fact]
    public void MemCountsRamAcrossHoles()
    {
        // The HiKey's banks leave holes below the reservation: mem= is the RAM below it, not its address.
        var plan = ReservationPlanner.Plan(Board("hikey"));
        Assert.Equal(0x7be00000UL, plan.Start);
        // Holes: 0x5e00000-0x5f00000, 0x5f01000-0x5f02000, 0x6dff000-0x6e00000, 0x740f000-0x7410000, 0x21f00000-0x22000000.
        ulong holes = 0x100000 + 0x1000 + 0x1000 + 0x1000 + 0x100000;
        Assert.Equal($"mem=0x{0x7be00000UL - holes:x}", plan.KernelArgument);
    }

    [Fact]
    public void ConfigurationsOutsideTheReservationAreErrors()
    {
        var board = BoardDescriptionReader.Read("""
            name: t
            arch: arm64
            ram: [{ start: 0x40000000, size: 1G }]
            jailhouse: { hypervisor: 4M, inmates: 60M, method: reserved-memory }
            """, "board.yaml");
        var plan = ReservationPlanner.Plan(board);
        Assert.Equal((0x7c000000UL, 0x7fc00000UL), (plan.Start, plan.HypervisorBase));
        Assert.Null(plan.KernelArgument);
        var system = YamlConfigReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "configs", "qemu-arm64", "qemu-arm64.yaml"));
        var errors = ReservationPlanner.Check(plan, system, [Cell("qemu-arm64", "qemu-arm64-linux-demo")]);
        Assert.Equal(["qemu-arm64-linux-demo: cell \"qemu-arm64-linux-demo\" memory[11] 0x70000000-0x77ffffff is outside the reservation 0x7c000000-0x7fffffff: Linux would use it"], errors);
        system.System!.HypervisorMemory.PhysStart = 0x40000000;
        Assert.Contains("hypervisor memory 0x40000000-0x403fffff is outside the reservation 0x7c000000-0x7fffffff: Linux would use it", ReservationPlanner.Check(plan, system, []));
    }

    [Theory]
    [InlineData("jailhouse: { hypervisor: 4M, inmates: 4M, method: mem, base: 0x7f800000 }\nram: [{ start: 0x40000000, size: 1G }, { start: 0x100000000, size: 1G }]\n", "board.yaml:3:12: error: mem= cuts off all RAM above the reservation, but RAM continues above 0x7fffffff: use reserved-memory, or a base at the top of RAM")]
    [InlineData("jailhouse: { hypervisor: 4M, inmates: 4M, method: mem, base: 0x40100000 }\nram: [{ start: 0x40000000, size: 1G }]\n", "board.yaml:3:12: error: reservation base 0x40100000 is not 2 MiB aligned")]
    [InlineData("jailhouse: { hypervisor: 2G, inmates: 4M, method: mem }\nram: [{ start: 0x40000000, size: 1G }]\n", "board.yaml:3:12: error: no RAM bank has 0x80400000 free of firmware-reserved ranges")]
    public void ImpossiblePlansAreRefused(string yaml, string expected) =>
        Assert.Equal(expected, Assert.Throws<InputException>(() => ReservationPlanner.Plan(BoardDescriptionReader.Read("name: t\narch: arm64\n" + yaml, "board.yaml"))).ToString());

    [Fact]
    public void HikeyReservationSitsBelowTheTopOfItsFirstBank()
    {
        var plan = ReservationPlanner.Plan(Board("hikey"));
        Assert.Equal(0x7c000000UL, plan.HypervisorBase);
    }

    [Trait("Tier", "Images")]
    [Fact]
    public void HikeyDeviceTreeGivesBanksHolesAndReservations()
    {
        // Debian's hi6220-hikey.dtb describes the 1 GiB board: /memory with holes, ramoops and OP-TEE reserved.
        var board = BoardDescriptionReader.Read("name: t\narch: arm64\nram: [{ start: 0, size: 1G }]\njailhouse: { hypervisor: 4M, inmates: 60M, method: reserved-memory }\n", "board.yaml");
        DeviceTreeMemory.Apply(board, Jailhouse.DeviceTree.FdtReader.ReadFile(Path.Combine(DebianKernel.DtbDirectory, "hisilicon", "hi6220-hikey.dtb")));
        Assert.Equal((0x22000000UL, 0x1c000000UL), board.RamBanks[^1]);
        Assert.Contains(board.FirmwareReserved, r => r.Start == 0x21f00000);
        var plan = ReservationPlanner.Plan(board);
        // The top of the last bank (0x3e000000) minus 64 MiB, clear of every reserved range.
        Assert.Equal(0x3a000000UL, plan.Start);
        Assert.DoesNotContain(board.FirmwareReserved, r => r.Start < plan.End && plan.Start < r.Start + r.Size);
    }
}
