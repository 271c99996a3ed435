using Jailhouse.Boot;
using Jailhouse.Config.Model;
using Jailhouse.DeviceTree;
using Jailhouse.Generate;
using static Jailhouse.Tests.Generate.CellConfigValidity;

namespace Jailhouse.Tests.Generate;

/// <summary>`config create --dtb`: root cells from Debian's HiKey tree and QEMU's virt trees.</summary>
[Collection("console")]
public sealed class DeviceTreeRootGeneratorTests : TempDirectoryTest
{
    private static string Hikey => Path.Combine(DebianKernel.DtbDirectory, "hisilicon", "hi6220-hikey.dtb");

    private const ulong MiB = 1UL << 20;

    private string QemuVirt(int gicVersion)
    {
        return QemuDeviceTree.Dump(Path.Combine(temp, $"virt-gicv{gicVersion}.dtb"), $"virt,virtualization=on,gic-version={gicVersion}",
            "cortex-a57", 4, "1G");
    }

    /// <summary>Generates a root cell, which must pass `config check`.</summary>
    private static DeviceTreeRootResult Generate(string dtb, ulong hypervisor = 64 * MiB, ulong inmates = 128 * MiB)
    {
        var result = DeviceTreeRootGenerator.Generate(FdtReader.ReadFile(dtb), dtb, new DeviceTreeRootOptions(hypervisor, inmates));
        CellConfigValidity.AssertPassesCheck((dtb, result.Config));
        return result;
    }

    private static List<MemoryRegion> Named(JailhouseConfig config, string prefix) =>
        config.Cell.MemoryRegions.Where(r => r.Name!.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    private static void AssertNothingMaps(JailhouseConfig config, AddressRange range) =>
        Assert.DoesNotContain(config.Cell.MemoryRegions, r => r.Size > 0 && Range(r).Overlaps(range));

    [Trait("Tier", "Images")]
    [Fact]
    public void HikeyRootCellHasTheBoardsGicUartAndHoles()
    {
        var result = Generate(Hikey);
        var config = result.Config;
        var arm = config.System!.Platform.Arm!;
        Assert.Equal(Architecture.Arm64, config.Architecture);
        Assert.Equal((2, 25), ((int)arm.GicVersion, (int)arm.MaintenanceIrq));
        Assert.Equal((0xf6801000UL, 0xf6802000UL, 0xf6804000UL, 0xf6806000UL, 0UL), (arm.GicdBase, arm.GiccBase, arm.GichBase, arm.GicvBase, arm.GicrBase));
        var console = config.System.DebugConsole;
        Assert.Equal((ConsoleType.Pl011, 0xf7113000UL, ConsoleFlags.Mmio | ConsoleFlags.RegDist4), (console.Type, console.Address, console.Flags));
        Assert.Equal(Enumerable.Range(0, 8), config.Cell.Cpus);

        // RAM is /memory without the firmware's holes: the mailbox, ramoops, and nothing of OP-TEE above 0x3e000000.
        var ram = Named(config, "ram");
        Assert.NotEmpty(ram);
        var mailboxHole = new AddressRange(0x05e00000, 0x05f00000);
        var ramoops = AddressRange.OfSize(0x21f00000, MiB);
        var optee = new AddressRange(0x3e000000, 0x40000000);
        Assert.DoesNotContain(ram, r => Range(r).Overlaps(mailboxHole) || Range(r).Overlaps(ramoops) || Range(r).Overlaps(optee));
        AssertNothingMaps(config, mailboxHole);
        AssertNothingMaps(config, optee);
        // ramoops is Linux's own (not no-map): mapped, but as its own region, not executable.
        var reserved = Assert.Single(Named(config, "reserved-ramoops"));
        Assert.Equal((ramoops.Start, ramoops.Size, MemoryFlags.Read | MemoryFlags.Write), (reserved.PhysStart, reserved.Size, reserved.Flags));
        // The mailbox's shared page inside the RAM hole at 0x6dff800 is device memory.
        Assert.Contains(config.Cell.MemoryRegions, r => r.PhysStart == 0x06dff000 && r.Flags.HasFlag(MemoryFlags.Io));

        // Jailhouse's memory: 2 MiB aligned at the top of the highest bank (which ends at 0x3e000000).
        var hv = config.System.HypervisorMemory;
        Assert.Equal((0x3a000000UL, 64 * MiB), (hv.PhysStart, hv.Size));
        var inmates = Assert.Single(Named(config, "inmates"));
        Assert.Equal((0x32000000UL, 128 * MiB), (inmates.PhysStart, inmates.Size));
        Assert.Equal(0UL, result.Plan.Start % ReservationPlanner.Alignment);
        AssertNothingMaps(config, AddressRange.OfSize(hv.PhysStart, hv.Size));
        Assert.DoesNotContain(ram, r => Range(r).Overlaps(new AddressRange(result.Plan.Start, result.Plan.End)));
        // mem= counts the RAM below the reservation: the banks minus the holes.
        ulong below = ram.Aggregate(0UL, (sum, r) => sum + r.Size);
        Assert.Contains(result.LinuxSide, l => l.Contains($"mem={NumberSyntax.Size(below)} ", StringComparison.Ordinal));
        Assert.Contains(result.LinuxSide, l => l.Contains("--reserve 0x32000000+192M", StringComparison.Ordinal));

        // The GIC is the hypervisor's: never mapped. All 128 SPIs of the distributor are the root cell's.
        AssertNothingMaps(config, new AddressRange(0xf6801000, 0xf6808000));
        var chip = Assert.Single(config.Cell.Irqchips);
        Assert.Equal((0xf6801000UL, 32u), (chip.Address, chip.PinBase));
        Assert.Equal(Enumerable.Range(32, 128).Select(p => (long)p), chip.Pins());
        // The console UART (SPI 39) is a device of the root cell.
        Assert.Contains(config.Cell.MemoryRegions, r => r.Flags.HasFlag(MemoryFlags.Io) && Range(r).Contains(AddressRange.OfSize(0xf7113000, 0x1000)));
        AssertNoOverlap(config.Cell.MemoryRegions);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void QemuVirtRootCellMatchesTheMachine(int gicVersion)
    {
        var result = Generate(QemuVirt(gicVersion));
        var config = result.Config;
        var arm = config.System!.Platform.Arm!;
        Assert.Equal(gicVersion, arm.GicVersion);
        Assert.Equal(25, arm.MaintenanceIrq);
        Assert.Equal(0x08000000UL, arm.GicdBase);
        if (gicVersion == 3)
            Assert.Equal((0x080a0000UL, 0UL, 0UL, 0UL), (arm.GicrBase, arm.GiccBase, arm.GichBase, arm.GicvBase));
        else
            Assert.Equal((0UL, 0x08010000UL, 0x08030000UL, 0x08040000UL), (arm.GicrBase, arm.GiccBase, arm.GichBase, arm.GicvBase));
        Assert.Equal((ConsoleType.Pl011, 0x09000000UL), (config.System.DebugConsole.Type, config.System.DebugConsole.Address));
        Assert.Equal(Enumerable.Range(0, 4), config.Cell.Cpus);

        // 1 GiB at 0x40000000: Linux keeps the bottom 832 MiB, inmates 128 MiB, the hypervisor the top 64 MiB.
        var ram = Assert.Single(Named(config, "ram"));
        Assert.Equal((0x40000000UL, 832 * MiB), (ram.PhysStart, ram.Size));
        Assert.Equal(0x7c000000UL, config.System.HypervisorMemory.PhysStart);
        var inmates = Assert.Single(Named(config, "inmates"));
        Assert.Equal((0x74000000UL, 128 * MiB), (inmates.PhysStart, inmates.Size));
        Assert.Contains(result.LinuxSide, l => l.Contains("mem=832M", StringComparison.Ordinal));

        // Devices: the PL011, virtio-mmio, the PCIe ECAM (reg above 4 GiB) and its 32-bit window through ranges; not the GIC.
        var io = config.Cell.MemoryRegions.Where(r => r.Flags.HasFlag(MemoryFlags.Io)).ToList();
        foreach (var device in new[] { AddressRange.OfSize(0x09000000, 0x1000), AddressRange.OfSize(0x0a000000, 0x200 * 32), AddressRange.OfSize(0x4010000000, 256 * MiB), new AddressRange(0x10000000, 0x3eff0000) })
            Assert.Contains(io, r => Range(r).Contains(device));
        AssertNothingMaps(config, new AddressRange(0x08000000, 0x09000000));
        var chip = Assert.Single(config.Cell.Irqchips);
        Assert.Equal(Enumerable.Range(32, 128).Select(p => (long)p), chip.Pins());
        AssertNoOverlap(config.Cell.MemoryRegions);
    }

    [Fact]
    public void Armv7TreeGivesAnArmRootCellUnlessTheArchitectureIsGiven()
    {
        string dtb = QemuDeviceTree.Dump(Path.Combine(temp, "arm32.dtb"), "virt,virtualization=on", "cortex-a15", 2, "512M", "qemu-system-arm");
        var result = Generate(dtb, 16 * MiB, 32 * MiB);
        Assert.Equal(Architecture.Arm, result.Config.Architecture);
        Assert.Equal(2, result.Config.System!.Platform.Arm!.GicVersion);
        Assert.Equal(0x5f000000UL, result.Config.System.HypervisorMemory.PhysStart);
        Assert.Contains(result.LinuxSide, l => l.Contains("mem=464M", StringComparison.Ordinal));
        var forced = DeviceTreeRootGenerator.Generate(FdtReader.ReadFile(dtb), dtb, new DeviceTreeRootOptions(16 * MiB, 0, Architecture.Arm64, "forced"));
        Assert.Equal((Architecture.Arm64, "forced"), (forced.Config.Architecture, forced.Config.Cell.Name));
        Assert.DoesNotContain(forced.Config.Cell.MemoryRegions, r => r.Name == "inmates");
    }

    /// <summary>
    /// Upstream's root cells for boards whose device tree Debian ships: the generator must find the
    /// same GIC, debug console and CPUs. RAM is given where the firmware fills /memory at boot.
    /// </summary>
    [Trait("Tier", "Images")]
    [Theory]
    [InlineData("zynqmp-zcu102", "xilinx/zynqmp-zcu102-rev1.0.dtb", null)]
    [InlineData("rpi4", "broadcom/bcm2711-rpi-4-b.dtb", "0+1G")]
    [InlineData("espressobin", "marvell/armada-3720-espressobin.dtb", null)]
    [InlineData("imx8mq", "freescale/imx8mq-evk.dtb", null)]
    [InlineData("k3-j721e-evm", "ti/k3-j721e-common-proc-board.dtb", null)]
    [InlineData("amd-seattle", "amd/amd-overdrive-rev-b1.dtb", "0x8000000000+16G")]
    public void UpstreamRootCellsAgreeOnGicConsoleAndCpus(string reference, string dtb, string? ram)
    {
        var upstream = ConfigFiles.Load(Path.Combine(Paths.ReferenceCells, "arm64", reference + ".cell"), out _);
        string path = Path.Combine(DebianKernel.DtbDirectory, dtb);
        var options = new DeviceTreeRootOptions(16 * MiB, 0);
        if (ram is not null)
        {
            int plus = ram.IndexOf('+', StringComparison.Ordinal);
            Assert.True(NumberSyntax.TryParse(ram[..plus], out ulong start, out _));
            Assert.True(NumberSyntax.TryParseSize(ram[(plus + 1)..], out ulong size, out _));
            options = options with { Ram = [AddressRange.OfSize(start, size)] };
        }
        var generated = DeviceTreeRootGenerator.Generate(FdtReader.ReadFile(path), path, options).Config;
        Assert.Equal(upstream.System!.Platform.Arm, generated.System!.Platform.Arm);
        var (want, got) = (upstream.System.DebugConsole, generated.System.DebugConsole);
        Assert.Equal((want.Type, want.Address, want.Flags), (got.Type, got.Address, got.Flags));
        Assert.Equal(upstream.Cell.Cpus, generated.Cell.Cpus);
        Assert.Equal(upstream.Architecture, generated.Architecture);
        // Both give the root cell the console's registers.
        Assert.Contains(generated.Cell.MemoryRegions, r => r.Flags.HasFlag(MemoryFlags.Io) && Range(r).Contains(AddressRange.OfSize(got.Address, 1)));
        AssertNoOverlap(generated.Cell.MemoryRegions);
    }

    [Trait("Tier", "Images")]
    [Fact]
    public void CliWritesARootCellThatCompilesAndSaysWhatLinuxMustReserve()
    {
        string yaml = Path.Combine(temp, "virt.yaml");
        var (exit, stdout, stderr) = CliTests.RunCli("config", "create", "--dtb", QemuVirt(3), "--mem-hv", "64M", "--mem-inmates", "128M", "-o", yaml);
        Assert.True(exit == 0, stderr);
        Assert.Equal("", stdout);
        Assert.Contains("mem=832M", stderr);
        string text = File.ReadAllText(yaml);
        Assert.Contains("# Linux must not use it: boot it with mem=832M", text);
        AssertCompiles(yaml);
        string cell = Path.Combine(temp, "virt.cell");
        Assert.Equal(0, CliTests.RunCli("config", "compile", yaml, "-o", cell).Exit);
        string hikey = HikeyYaml();
        Assert.Equal(0, CliTests.RunCli("config", "compile", hikey, "-o", cell).Exit);
        // Reproducible: the same tree gives the same bytes.
        byte[] first = File.ReadAllBytes(hikey);
        Assert.Equal(first, File.ReadAllBytes(HikeyYaml()));
    }

    private string HikeyYaml()
    {
        string yaml = Path.Combine(temp, "hikey.yaml");
        var (exit, _, stderr) = CliTests.RunCli("config", "create", "--dtb", Hikey, "--mem-hv", "64M", "--mem-inmates", "128M", "-o", yaml);
        Assert.True(exit == 0, stderr);
        return yaml;
    }

    [Fact]
    public void ReservedMemoryBelowTheTopMovesJailhouseDownAndNeedsAReservedMemoryNode()
    {
        var fdt = FdtReader.ReadFile(QemuVirt(3));
        FdtEdits.Reserve(fdt, 0x7f100000, 15 * MiB, "firmware");
        string dtb = Path.Combine(temp, "reserved.dtb");
        File.WriteAllBytes(dtb, FdtWriter.Write(fdt));
        var result = Generate(dtb);
        Assert.Equal(0x7b000000UL, result.Config.System!.HypervisorMemory.PhysStart);
        Assert.Equal(0x73000000UL, result.Plan.Start);
        // RAM continues above the reservation, so mem= cannot work: only a /reserved-memory node can.
        Assert.DoesNotContain(result.LinuxSide, l => l.Contains("mem=", StringComparison.Ordinal));
        Assert.Contains(result.LinuxSide, l => l.Contains("--reserve 0x73000000+192M", StringComparison.Ordinal));
        AssertNothingMaps(result.Config, AddressRange.OfSize(0x7f100000, 15 * MiB));
        // Linux keeps the RAM between Jailhouse's memory and the firmware's.
        Assert.Contains(result.Config.Cell.MemoryRegions, r => r.PhysStart == 0x7f000000 && r.PhysEnd == 0x7f100000 && r.Flags.HasFlag(MemoryFlags.Execute));
    }

    [Fact]
    public void UartBehindATranslatingBusIsFoundWithItsRegisterSpacing()
    {
        var fdt = FdtReader.ReadFile(QemuVirt(3));
        var soc = fdt.Root.AddChild("soc");
        soc.SetCells("#address-cells", 1);
        soc.SetCells("#size-cells", 1);
        soc.SetCells("ranges", 0x0, 0x0, 0x0c000000, 0x1000000);
        soc.SetString("compatible", "simple-bus");
        var uart = soc.AddChild("serial@10000");
        uart.SetString("compatible", "snps,dw-apb-uart");
        uart.SetCells("reg", 0x10000, 0x100);
        uart.SetCells("reg-shift", 2);
        uart.SetCells("clock-frequency", 48000000);
        uart.SetCells("interrupts", 0, 200, 4);
        var disabled = soc.AddChild("serial@20000");
        disabled.SetString("compatible", "snps,dw-apb-uart");
        disabled.SetCells("reg", 0x20000, 0x100);
        disabled.SetString("status", "disabled");
        FdtEdits.SetStdoutPath(fdt, "/soc/serial@10000:115200n8");
        string dtb = Path.Combine(temp, "dw.dtb");
        File.WriteAllBytes(dtb, FdtWriter.Write(fdt));

        var config = Generate(dtb).Config;
        var console = config.System!.DebugConsole;
        // reg-shift 2: registers 4 bytes apart; the baud rate stays the firmware's (divider 0).
        Assert.Equal((ConsoleType.Uart8250, 0x0c010000UL, ConsoleFlags.Mmio | ConsoleFlags.RegDist4, 0u), (console.Type, console.Address, console.Flags, console.Divider));
        Assert.Contains(config.Cell.MemoryRegions, r => r.PhysStart == 0x0c010000 && r.Size == 0x1000);
        AssertNothingMaps(config, AddressRange.OfSize(0x0c020000, 0x1000));
        // SPI 200 is interrupt 232: the root cell needs a second 128-pin chip.
        Assert.Equal([32u, 160u], config.Cell.Irqchips.Select(c => c.PinBase));
        Assert.Contains(232L, config.Cell.Irqchips[1].Pins());
    }

    [Trait("Tier", "Images")]
    [Fact]
    public void BadInputIsRefusedWithoutWritingAnything()
    {
        string yaml = Path.Combine(temp, "out.yaml");
        var tooBig = CliTests.RunCli("config", "create", "--dtb", QemuVirt(3), "--mem-hv", "64M", "--mem-inmates", "2G", "-o", yaml);
        Assert.Equal(1, tooBig.Exit);
        Assert.Contains("error: no RAM bank has", tooBig.Err);
        var badSize = CliTests.RunCli("config", "create", "--dtb", Hikey, "--mem-hv", "64Q", "--mem-inmates", "0", "-o", yaml);
        Assert.Equal(2, badSize.Exit);
        Assert.StartsWith("jailhouse: error: --mem-hv: expected a size", badSize.Err);
        var badArch = CliTests.RunCli("config", "create", "--dtb", Hikey, "--mem-hv", "64M", "--mem-inmates", "0", "--arch", "x86", "-o", yaml);
        Assert.Equal(2, badArch.Exit);

        string rpi4 = Path.Combine(DebianKernel.DtbDirectory, "broadcom", "bcm2711-rpi-4-b.dtb");
        var noRam = CliTests.RunCli("config", "create", "--dtb", rpi4, "--mem-hv", "16M", "--mem-inmates", "0", "-o", yaml);
        Assert.Equal(1, noRam.Exit);
        Assert.Contains("give the RAM with --ram START+SIZE", noRam.Err);
        var badRam = CliTests.RunCli("config", "create", "--dtb", rpi4, "--mem-hv", "16M", "--mem-inmates", "0", "--ram", "1G", "-o", yaml);
        Assert.Equal(2, badRam.Exit);
        Assert.StartsWith("jailhouse: error: --ram: expected ADDRESS+SIZE", badRam.Err);
        Assert.Equal(0, CliTests.RunCli("config", "create", "--dtb", rpi4, "--mem-hv", "16M", "--mem-inmates", "0", "--ram", "0+1G", "-o", yaml).Exit);
        File.Delete(yaml);

        var fdt = FdtReader.ReadFile(Hikey);
        fdt.Root.Children.RemoveAll(n => n.Name.StartsWith("interrupt-controller@", StringComparison.Ordinal));
        string noGic = Path.Combine(temp, "nogic.dtb");
        File.WriteAllBytes(noGic, FdtWriter.Write(fdt));
        var missing = CliTests.RunCli("config", "create", "--dtb", noGic, "--mem-hv", "64M", "--mem-inmates", "0", "-o", yaml);
        Assert.Equal(1, missing.Exit);
        Assert.StartsWith($"{noGic}: error: no GIC in the device tree", missing.Err);
        Assert.False(File.Exists(yaml));
        Assert.Empty(Directory.EnumerateFiles(temp, "*.tmp"));
    }
}
