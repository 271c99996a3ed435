using Jailhouse.Config.Model;
using Jailhouse.Generate;
using static Jailhouse.Tests.Generate.CellConfigValidity;

namespace Jailhouse.Tests.Generate;

/// <summary>`config cell`: non-root cells carved from upstream's QEMU root cells and from a generated HiKey root.</summary>
[Collection("console")]
public sealed class CellGeneratorTests : TempDirectoryTest
{
    private const ulong MiB = 1UL << 20;

    private static string Config(string board, string file) => Path.Combine(Paths.RepositoryRoot, "configs", board, file);

    /// <summary>Runs `config cell`, asserts success and that the output compiles; returns the model read back.</summary>
    private JailhouseConfig Cell(string output, params string[] arguments)
    {
        string path = Path.Combine(temp, output);
        var (exit, stdout, stderr) = CliTests.RunCli(["config", "cell", .. arguments, "-o", path]);
        Assert.True(exit == 0, stderr);
        Assert.Equal("", stdout);
        return AssertCompiles(path);
    }

    private static MemoryRegion Ram(JailhouseConfig cell) => cell.Cell.MemoryRegions.Single(r => r.Name == "ram");

    /// <summary>The properties every carved cell has: its CPUs are the root's, its RAM lies in one root RAM region and in nobody else's memory.</summary>
    private static void AssertCarved(JailhouseConfig root, JailhouseConfig cell, params JailhouseConfig[] others)
    {
        Assert.False(cell.IsSystem);
        Assert.Equal(root.Architecture, cell.Architecture);
        Assert.Subset(root.Cell.Cpus, cell.Cell.Cpus);
        Assert.DoesNotContain(0, cell.Cell.Cpus);
        var loadable = cell.Cell.MemoryRegions.Where(r => r.Flags.HasFlag(MemoryFlags.Loadable)).ToList();
        Assert.NotEmpty(loadable);
        foreach (var other in others)
        {
            Assert.Empty(cell.Cell.Cpus.Intersect(other.Cell.Cpus));
            foreach (var region in loadable)
                Assert.DoesNotContain(other.Cell.MemoryRegions, o => o.Size > 0 && !o.Flags.HasFlag(MemoryFlags.CommRegion) && Range(o).Overlaps(Range(region)));
        }
        foreach (var region in loadable)
            Assert.Contains(root.Cell.MemoryRegions, r => InmateArea.IsRam(r) && Range(r).Contains(Range(region)));
        Assert.DoesNotContain(root.Cell.MemoryRegions, r => Range(r).Overlaps(AddressRange.OfSize(root.System!.HypervisorMemory.PhysStart, root.System.HypervisorMemory.Size)) && r.Size > 0);
        var comm = Assert.Single(cell.Cell.MemoryRegions, r => r.Flags.HasFlag(MemoryFlags.CommRegion));
        Assert.Equal((CellGenerator.CommRegionAddress(root.Architecture), 0UL), (comm.VirtStart, comm.PhysStart));
        AssertNoOverlap(cell.Cell.MemoryRegions);
        // The root, the new cell and the cells it was carved beside pass `config check` together.
        AssertPassesCheck([("root", root), ("cell", cell), .. others.Select((o, i) => ($"other{i}", o))]);
    }

    [Fact]
    public void QemuArm64CellTakesTheTopOfLinuxsRamBesideTheDemoCells()
    {
        string root = Config("qemu-arm64", "qemu-arm64.yaml");
        string[] others = [Config("qemu-arm64", "qemu-arm64-inmate-demo.yaml"), Config("qemu-arm64", "qemu-arm64-linux-demo.yaml")];
        var cell = Cell("arm64.yaml", "--root", root, "--name", "generated", "--cpus", "4-5", "--mem", "16M", "--console", "pl011@0x09000000", "--irq", "34",
            "--other-cell", others[0], "--other-cell", others[1]);
        var rootConfig = ConfigFiles.Load(root, out _);
        AssertCarved(rootConfig, cell, [.. others.Select(o => ConfigFiles.Load(o, out _))]);

        // The top of the root's RAM below the hypervisor: the demo cells hold 0x7f900000-0x7fa0ffff, so 16M ends below them.
        var ram = Ram(cell);
        Assert.Equal((0x7e800000UL, 0UL, 16 * MiB), (ram.PhysStart, ram.VirtStart, ram.Size));
        Assert.Equal(MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Execute | MemoryFlags.Loadable, ram.Flags);
        Assert.Equal((ConsoleType.Pl011, 0x09000000UL, ConsoleFlags.Mmio | ConsoleFlags.RegDist4), (cell.Cell.Console.Type, cell.Cell.Console.Address, cell.Cell.Console.Flags));
        var uart = Assert.Single(cell.Cell.MemoryRegions, r => r.Name == "console");
        Assert.Equal((0x09000000UL, 0x1000UL, MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Io | MemoryFlags.RootShared), (uart.PhysStart, uart.Size, uart.Flags));
        var chip = Assert.Single(cell.Cell.Irqchips);
        Assert.Equal((0x08000000UL, 32u), (chip.Address, chip.PinBase));
        Assert.Equal([34L], chip.Pins());

        // SPI 1 (pin 33) is the linux-demo's UART interrupt: a second cell cannot have it.
        var taken = CliTests.RunCli("config", "cell", "--root", root, "--name", "generated", "--cpus", "4-5", "--mem", "16M", "--irq", "33",
            "--other-cell", others[0], "--other-cell", others[1], "-o", Path.Combine(temp, "taken.yaml"));
        Assert.Equal(1, taken.Exit);
        Assert.Contains("interrupt 33 already belongs to cell \"qemu-arm64-linux-demo\"", taken.Err);
        Assert.False(File.Exists(Path.Combine(temp, "taken.yaml")));
    }

    [Fact]
    public void QemuX86CellGetsTheE1000eWithItsCapabilitiesAndWithoutTheMsixTable()
    {
        string root = Config("qemu-x86", "qemu-x86.yaml");
        string tiny = Config("qemu-x86", "tiny-demo.yaml");
        var cell = Cell("x86.yaml", "--root", root, "--name", "net", "--cpus", "3", "--mem", "16M", "--console", "8250@0x3f8", "--pci", "00:02.0", "--other-cell", tiny);
        var rootConfig = ConfigFiles.Load(root, out _);
        AssertCarved(rootConfig, cell, ConfigFiles.Load(tiny, out _));

        // From the bottom of the root's "inmates" region; x86 layout: 1 MiB at 0, the comm region at 1 MiB, the rest from 2 MiB.
        var low = cell.Cell.MemoryRegions.Single(r => r.Name == "ram-low");
        var ram = Ram(cell);
        Assert.Equal((0x3a600000UL, 0UL, MiB), (low.PhysStart, low.VirtStart, low.Size));
        Assert.Equal((0x3a700000UL, 2 * MiB, 15 * MiB), (ram.PhysStart, ram.VirtStart, ram.Size));
        Assert.True(ram.Flags.HasFlag(MemoryFlags.Dma), "RAM of a cell with a PCI device is DMA-capable");
        Assert.Equal((ConsoleType.Uart8250, 0x3f8UL, ConsoleFlags.None), (cell.Cell.Console.Type, cell.Cell.Console.Address, cell.Cell.Console.Flags));
        Assert.Equal((ushort)0x3f8, Assert.Single(cell.Cell.PioRanges).Base);

        var source = rootConfig.Cell.PciDevices.Single(d => d.Name == "e1000e");
        var device = Assert.Single(cell.Cell.PciDevices);
        Assert.Equal((source.Bdf, source.NumMsiVectors, source.NumMsixVectors, source.MsixAddress), (device.Bdf, device.NumMsiVectors, device.NumMsixVectors, device.MsixAddress));
        Assert.Equal(source.BarMask, device.BarMask);
        Assert.Equal(source.Capabilities.Select(c => (c.Id, c.Start, c.Length, c.Flags)), device.Capabilities.Select(c => (c.Id, c.Start, c.Length, c.Flags)));
        Assert.Equal(device.Capabilities, cell.Cell.PciCapabilities);
        // Its BARs come along, the MSI-X table does not: the hypervisor keeps intercepting it.
        var msixTable = AddressRange.OfSize(source.MsixAddress, source.MsixRegionSize);
        Assert.DoesNotContain(cell.Cell.MemoryRegions, r => r.Size > 0 && Range(r).Overlaps(msixTable));
        var bars = rootConfig.Cell.MemoryRegions.Where(r => r.Name!.StartsWith("e1000e-", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(bars);
        foreach (var bar in bars)
            Assert.Contains(cell.Cell.MemoryRegions, r => Range(r) == Range(bar));
    }

    [Fact]
    public void QemuX86CellFitsIntoWhatTheLinuxDemoLeavesFree()
    {
        string root = Config("qemu-x86", "qemu-x86.yaml");
        string linux = Config("qemu-x86", "linux-x86-demo.yaml");
        // linux-x86-demo takes 0x3a600000-0x3edfffff of the 74 MiB "inmates" region: 2 MiB remain.
        var cell = Cell("small.yaml", "--root", root, "--name", "small", "--cpus", "1", "--mem", "1M", "--other-cell", linux);
        AssertCarved(ConfigFiles.Load(root, out _), cell, ConfigFiles.Load(linux, out _));
        Assert.Equal(0x3ee00000UL, Ram(cell).PhysStart);
        var full = CliTests.RunCli("config", "cell", "--root", root, "--name", "big", "--cpus", "1", "--mem", "4M", "--other-cell", linux, "-o", Path.Combine(temp, "big.yaml"));
        Assert.Equal(1, full.Exit);
        Assert.Contains("no 4M free in the root region named \"inmates\" 0x3a600000-0x3effffff after the other cells' memory (free: 0x3ee00000-0x3effffff)", full.Err);
        Assert.False(File.Exists(Path.Combine(temp, "big.yaml")));
    }

    [Trait("Tier", "Images")]
    [Fact]
    public void CellsFromAGeneratedHikeyRootShareNothing()
    {
        string dtb = Path.Combine(DebianKernel.DtbDirectory, "hisilicon", "hi6220-hikey.dtb");
        string root = Path.Combine(temp, "hikey.yaml");
        Assert.Equal(0, CliTests.RunCli("config", "create", "--dtb", dtb, "--mem-hv", "64M", "--mem-inmates", "128M", "-o", root).Exit);
        var first = Cell("first.yaml", "--root", root, "--name", "first", "--cpus", "4-5", "--mem", "32M", "--console", "pl011@0xf7112000", "--irq", "70");
        string firstPath = Path.Combine(temp, "first.yaml");
        var second = Cell("second.yaml", "--root", root, "--name", "second", "--cpus", "6-7", "--mem", "64M", "--console", "virtual", "--other-cell", firstPath);
        var rootConfig = ConfigFiles.Load(root, out _);
        AssertCarved(rootConfig, first);
        AssertCarved(rootConfig, second, first);
        var inmates = rootConfig.Cell.MemoryRegions.Single(r => r.Name == "inmates");
        Assert.Equal((inmates.PhysStart, 32 * MiB), (Ram(first).PhysStart, Ram(first).Size));
        Assert.Equal((inmates.PhysStart + 32 * MiB, 64 * MiB), (Ram(second).PhysStart, Ram(second).Size));
        Assert.Equal(CellFlags.PassiveCommRegion | CellFlags.VirtualConsolePermitted | CellFlags.VirtualConsoleActive, second.Cell.Flags);
        Assert.True(second.Cell.Console.IsEmpty);
        // 96 MiB of the 128 MiB are taken: 64 MiB more do not fit.
        var full = CliTests.RunCli("config", "cell", "--root", root, "--name", "third", "--cpus", "3", "--mem", "64M",
            "--other-cell", firstPath, "--other-cell", Path.Combine(temp, "second.yaml"), "-o", Path.Combine(temp, "third.yaml"));
        Assert.Equal(1, full.Exit);
        Assert.Contains("no 64M free", full.Err);
    }

    [Fact]
    public void BinaryRootAndFixedBaseWork()
    {
        string root = Path.Combine(Paths.ReferenceCells, "arm64", "qemu-arm64.cell");
        var cell = Cell("fixed.yaml", "--root", root, "--name", "fixed", "--cpus", "1", "--mem", "1M", "--mem-base", "0x7f000000");
        Assert.Equal((0x7f000000UL, MiB), (Ram(cell).PhysStart, Ram(cell).Size));
        AssertCarved(ConfigFiles.Load(root, out _), cell);
    }

    [Theory]
    [InlineData("--cpus", "16", "CPU 16 is not in the root cell's CPUs 0-15")]
    [InlineData("--cpus", "0-1", "CPU 0 stays with the root cell")]
    [InlineData("--cpus", "2", "CPU 2 already belongs to cell \"qemu-arm64-linux-demo\"")]
    [InlineData("--cpus", "x", "jailhouse: error: --cpus: expected a list of numbers and ranges")]
    [InlineData("--mem", "3G", "no 3G free in the top of the highest root RAM region below the hypervisor memory \"ram\" 0x40000000-0x7fa0ffff")]
    [InlineData("--mem", "5000", "--mem: expected a non-zero multiple of 4K")]
    [InlineData("--mem-base", "0x10000000", "--mem-base: 0x10000000-0x100fffff lies in no RAM region of the root cell")]
    [InlineData("--console", "uart@1", "--console: expected pl011@ADDRESS")]
    [InlineData("--console", "pl011@0x08000000", "the console 0x8000000-0x8000fff is no device the root cell \"qemu-arm64\" maps")]
    [InlineData("--irq", "200", "interrupt 200 belongs to no irqchip of the root cell")]
    [InlineData("--pci", "00:05.0", "--pci 00:05.0: the root cell has no such device (it has 0001:00:00.0, 0001:00:01.0)")]
    [InlineData("--pci", "0001:00:01.0", "ivshmem devices need a peer id")]
    [InlineData("--name", "a-name-that-is-far-too-long-for-jailhouse", "expected 1 to 31 bytes")]
    public void BadRequestsAreRefusedWithoutOutput(string option, string value, string message)
    {
        string output = Path.Combine(temp, "bad.yaml");
        var arguments = new Dictionary<string, string> { ["--name"] = "bad", ["--cpus"] = "4", ["--mem"] = "1M" };
        arguments[option] = value;
        var (exit, _, stderr) = CliTests.RunCli(["config", "cell", "--root", Config("qemu-arm64", "qemu-arm64.yaml"),
            "--other-cell", Config("qemu-arm64", "qemu-arm64-linux-demo.yaml"), .. arguments.SelectMany(a => new[] { a.Key, a.Value }), "-o", output]);
        // A value that does not parse is a usage error; one that parses but does not fit the root cell is invalid input.
        Assert.Equal(message.StartsWith("jailhouse: error: ", StringComparison.Ordinal) ? 2 : 1, exit);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(File.Exists(output));
    }
}
