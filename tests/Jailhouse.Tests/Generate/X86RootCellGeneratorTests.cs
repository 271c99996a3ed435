using Jailhouse.Config.Binary;
using Jailhouse.Config.Model;
using Jailhouse.Config.Yaml;
using Jailhouse.Generate.Snapshot;
using Jailhouse.Generate.X86;

namespace Jailhouse.Tests.Generate;

/// <summary>`config create --snapshot`: x86 root cells from snapshots of a real VM and of synthetic machines.</summary>
public sealed class X86RootCellGeneratorTests
{
    internal static string RealVm => Path.Combine(Paths.RepositoryRoot, "tests", "Jailhouse.Tests", "fixtures", "snapshots", "firecracker-amd-vm");

    /// <summary>The real VM's snapshot with a memmap= reservation added to its command line.</summary>
    private static SystemSnapshot RealVmWithReservation()
    {
        var snapshot = SnapshotCollector.Collect(RealVm, out _);
        var files = snapshot.Paths.ToDictionary(p => p, p => snapshot.TryRead(p)!);
        files["proc/cmdline"] = System.Text.Encoding.ASCII.GetBytes("memmap=65M$0x3a000000 " + snapshot.TryReadText("proc/cmdline"));
        return new SystemSnapshot("real-vm.tar", files);
    }

    /// <summary>The YAML as `config create` writes it, read back and compiled: what the user gets.</summary>
    private static JailhouseConfig RoundTrip(GeneratedConfig generated)
    {
        string yaml = YamlConfigWriter.Write(generated.Config);
        var model = YamlConfigReader.Read(yaml, "generated.yaml");
        Assert.NotEmpty(ConfigBinaryWriter.Write(model, "generated.yaml"));
        CellConfigValidity.AssertPassesCheck(("generated.yaml", model));
        return model;
    }

    private static MemoryRegion? RegionAt(JailhouseConfig config, ulong address) =>
        config.Cell.MemoryRegions.SingleOrDefault(r => address >= r.PhysStart && address < r.PhysEnd);

    [Fact]
    public void RealVmWithoutMemmapIsAnErrorThatNamesTheReservationToAdd()
    {
        var snapshot = SnapshotCollector.Collect(RealVm, out _);
        var error = Assert.Throws<InputException>(() => X86RootCellGenerator.Generate(snapshot, new X86GeneratorOptions()));
        Assert.Contains("/proc/cmdline", error.Location.File);
        // 0x3a000000 + 65M lies inside the VM's System RAM 00100000-bfffffff.
        Assert.Contains("add memmap=65M$0x3a000000 to the kernel command line", error.Message);
    }

    [Fact]
    public void RealVmConfigCompilesAndKeepsLinuxOutOfTheReservation()
    {
        var generated = X86RootCellGenerator.Generate(RealVmWithReservation(), new X86GeneratorOptions());
        var config = RoundTrip(generated);
        var system = config.System!;
        Assert.Equal(0x3a000000UL, system.HypervisorMemory.PhysStart);
        Assert.Equal(6UL << 20, system.HypervisorMemory.Size);
        Assert.Equal(0xeec00000UL, system.Platform.PciMmconfigBase);
        Assert.Equal(ConsoleType.Uart8250, system.DebugConsole.Type);
        Assert.Equal(0x3f8UL, system.DebugConsole.Address);
        Assert.Equal([0, 1], config.Cell.Cpus);

        // Hypervisor memory belongs to no region; inmate memory follows it and is the only region there.
        Assert.Null(RegionAt(config, 0x3a000000));
        Assert.Null(RegionAt(config, 0x3a5fffff));
        var inmates = RegionAt(config, 0x3a600000);
        Assert.Equal(("inmates", 0x3a600000UL, 59UL << 20), (inmates!.Name, inmates.PhysStart, inmates.Size));
        Assert.Equal(0x3e100000UL, RegionAt(config, 0x3e100000)!.PhysStart);   // RAM resumes after the reservation
        Assert.Equal(0UL, RegionAt(config, 0x1000)!.PhysStart);               // the first page is RAM too

        // The virtio functions' MSI-X table pages stay with the hypervisor; the rest of each BAR is mapped.
        var virtio = config.Cell.PciDevices.Single(d => d.Bdf == 0x0008);
        Assert.Equal((5, 0x4000008000UL, (ushort)0x1000), ((int)virtio.NumMsixVectors, virtio.MsixAddress, virtio.MsixRegionSize));
        Assert.Null(RegionAt(config, 0x4000008000));
        Assert.NotNull(RegionAt(config, 0x4000007ff8));
        Assert.NotNull(RegionAt(config, 0x4000009000));
        var msix = virtio.Capabilities.Single(c => c.Id == 0x11);
        Assert.Equal((0x98, 12, PciCapabilityFlags.Write), (msix.Start, msix.Length, msix.Flags));
        // Identical layouts share one run of capabilities.
        Assert.Same(virtio.Capabilities[0], config.Cell.PciDevices.Single(d => d.Bdf == 0x0010).Capabilities[0]);

        var ioapic = Assert.Single(config.Cell.Irqchips);
        Assert.Equal(0xfec00000UL, ioapic.Address);
        Assert.Contains(config.Cell.PioRanges, p => p.Base == 0x70 && p.Length == 2);
        Assert.DoesNotContain(config.Cell.PioRanges, p => p.Base <= 0x3f8 && p.Base + p.Length > 0x3f8);   // the hypervisor's UART
        Assert.Contains(generated.Warnings, w => w.Contains("ACPI PM_TMR"));
        Assert.Contains(generated.Warnings, w => w.Contains("did not honour"));
    }

    [Fact]
    public void QemuQ35SnapshotAgreesWithTheHandWrittenQemuX86Config()
    {
        string q35 = Path.Combine(Paths.RepositoryRoot, "tests", "Jailhouse.Tests", "fixtures", "snapshots", "qemu-q35-intel-iommu");
        var generated = X86RootCellGenerator.Generate(SnapshotCollector.Collect(q35, out _), new X86GeneratorOptions { InmateSize = 74UL << 20 });
        var config = RoundTrip(generated);
        var reference = ConfigFiles.Load(Path.Combine(Paths.RepositoryRoot, "configs", "qemu-x86", "qemu-x86.yaml"), out _);
        var (platform, expected) = (config.System!.Platform, reference.System!.Platform);
        Assert.Equal((expected.PciMmconfigBase, expected.PciMmconfigEndBus), (platform.PciMmconfigBase, platform.PciMmconfigEndBus));
        Assert.Equal(expected.IommuUnits.Select(u => (u.Type, u.Base, u.Size)), platform.IommuUnits.Select(u => (u.Type, u.Base, u.Size)));
        Assert.Equal(expected.X86!.PmTimerAddress, platform.X86!.PmTimerAddress);
        Assert.Equal(reference.System.HypervisorMemory.PhysStart, config.System.HypervisorMemory.PhysStart);
        // The IOAPIC's id: QEMU's DMAR puts it at ff:00.0, as upstream's hand-written config says.
        Assert.Equal(reference.Cell.Irqchips.Select(c => (c.Address, c.Id)), config.Cell.Irqchips.Select(c => (c.Address, c.Id)));
        var inmates = config.Cell.MemoryRegions.Single(r => r.Name == "inmates");
        var referenceInmates = reference.Cell.MemoryRegions.Single(r => r.Name == "inmates");
        Assert.Equal((referenceInmates.PhysStart, referenceInmates.Size), (inmates.PhysStart, inmates.Size));
        // The e1000e's MSI-X table page (BAR 3) is left out, the rest of BAR 3 mapped, like the reference does.
        var e1000e = config.Cell.PciDevices.Single(d => d.Bdf == 0x0010);
        Assert.Equal((5, (ushort)0x1000), ((int)e1000e.NumMsixVectors, e1000e.MsixRegionSize));
        Assert.Null(RegionAt(config, e1000e.MsixAddress));
        Assert.Equal(e1000e.MsixAddress + 0x1000, RegionAt(config, e1000e.MsixAddress + 0x1000)!.PhysStart);
        Assert.Equal(["pm", "msi", "exp", "msix", "ext-aer", "ext-dsn"], e1000e.Capabilities.Select(c => Names.PciCapabilityId.FormatValue(c.Id)));
        Assert.Equal("Standard PC (Q35 + ICH9, 2009)", config.Cell.Name);
        Assert.Empty(generated.Warnings);
    }

    [Fact]
    public void IntelMachineGetsVtdUnitsRmrrAndIoapicIds()
    {
        var generated = X86RootCellGenerator.Generate(SyntheticMachine.Intel().Snapshot(), new X86GeneratorOptions());
        var config = RoundTrip(generated);
        var units = config.System!.Platform.IommuUnits;
        Assert.Equal([(IommuType.Intel, 0xfed90000UL, 0x1000u), (IommuType.Intel, 0xfed91000UL, 0x1000u)],
            units.Select(u => (u.Type, u.Base, u.Size)));
        Assert.Equal(0x608, config.System.Platform.X86!.PmTimerAddress);
        // 00:02.0 is listed by unit 0; everything else falls to the INCLUDE_PCI_ALL unit 1.
        Assert.Equal(0, config.Cell.PciDevices.Single(d => d.Bdf == 0x0010).Iommu);
        Assert.Equal(1, config.Cell.PciDevices.Single(d => d.Bdf == 0x0601).Iommu);
        // The IOAPIC's id carries the unit (bits 16+) and its BDF f0:1f.0 from the DMAR scope.
        Assert.Equal(1u << 16 | 0xf0f8, Assert.Single(config.Cell.Irqchips).Id);
        var rmrr = RegionAt(config, 0x798ad000)!;
        Assert.Equal((0x1000UL, MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Execute | MemoryFlags.Dma), (rmrr.Size, rmrr.Flags));
        Assert.Null(RegionAt(config, 0xfed90000));   // IOMMU registers are the hypervisor's
        Assert.Null(RegionAt(config, 0xe0000000));   // so is MMCONFIG
        Assert.NotNull(RegionAt(config, 0x798ab000)); // APEI ERST, a named leaf inside Reserved
        var bridge = config.Cell.PciDevices.Single(d => d.Bdf == 0x00e0);
        Assert.Equal(PciDeviceType.Bridge, bridge.Type);
    }

    [Fact]
    public void MsixTableIsCutOutOfTheBarAndExtendedCapabilitiesAreListed()
    {
        var config = RoundTrip(X86RootCellGenerator.Generate(SyntheticMachine.Intel().Snapshot(), new X86GeneratorOptions()));
        var e1000e = config.Cell.PciDevices.Single(d => d.Bdf == 0x0010);
        Assert.Equal((5, 0xc0020000UL, (ushort)0x1000), ((int)e1000e.NumMsixVectors, e1000e.MsixAddress, e1000e.MsixRegionSize));
        Assert.Equal((1, true, false), (e1000e.NumMsiVectors, e1000e.Msi64Bits, e1000e.MsiMaskable));
        Assert.Null(RegionAt(config, 0xc0020000));
        Assert.Equal(0xc0021000UL, RegionAt(config, 0xc0021000)!.PhysStart);
        Assert.Equal(new uint[] { 0xfffe0000, 0, 0xffffffe0, 0xffffc000, 0, 0 }, e1000e.BarMask);
        Assert.Equal(
            [(0x01, 0xc8, 8, true), (0x05, 0xd0, 14, true), (0x10, 0xe0, 20, false), (0x11, 0xa0, 12, true),
             (0x8001, 0x100, 64, false), (0x8003, 0x140, 12, false)],
            e1000e.Capabilities.Select(c => ((int)c.Id, (int)c.Start, (int)c.Length, c.Flags.HasFlag(PciCapabilityFlags.Write))));
        Assert.Contains(config.Cell.PioRanges, p => p.Base == 0xe000 && p.Length == 0x20);
    }

    [Fact]
    public void AmdMachineGetsItsIommuFromIvrsAndSeveralIoapics()
    {
        var generated = X86RootCellGenerator.Generate(SyntheticMachine.Amd().Snapshot(), new X86GeneratorOptions());
        var config = RoundTrip(generated);
        var unit = Assert.Single(config.System!.Platform.IommuUnits);
        Assert.Equal((IommuType.Amd, 0xfeb80000UL, (ushort)0x0002, (byte)0x40, (byte)0x64), (unit.Type, unit.Base, unit.AmdBdf, unit.AmdBaseCap, unit.AmdMsiCap));
        // Feature bits 13-16 and 17-22 both set: performance counters, so the 512K window; bit 0 marks the type-0x10 value.
        Assert.Equal((512u << 10, 0x80048f6fu), (unit.Size, unit.AmdFeatures));
        Assert.DoesNotContain(config.Cell.PciDevices, d => d.Bdf == 0x0002);   // the IOMMU itself
        Assert.Equal(
            [(0xfec00000UL, 0x00a0u), (0xfec01000UL, 0x0001u)],
            config.Cell.Irqchips.Select(c => (c.Address, c.Id)));
        Assert.NotNull(RegionAt(config, 0x798ae000));   // IVMD
        Assert.Equal(256u, config.System.Platform.X86!.VtdInterruptLimit);  // 2 x 120 IOAPIC pins + 5 MSI-X + 1 MSI = 246
    }

    [Fact]
    public void IvhdType11EntriesStartAfterItsLongerHeaderAndTakeTheHardwareFeatures()
    {
        var machine = SyntheticMachine.Amd();
        machine.Table("IVRS", SyntheticMachine.Ivrs(
            SyntheticMachine.Ivhd(0x11, 0x0002, 0x40, 0xfeb80000, 0,
                SyntheticMachine.IvhdRangeStart(0x0000), SyntheticMachine.IvhdRangeEnd(0x06ff), SyntheticMachine.IvhdIoApic(0x21, 0x00a0))));
        var generated = X86RootCellGenerator.Generate(machine.Snapshot(), new X86GeneratorOptions());
        var unit = Assert.Single(RoundTrip(generated).System!.Platform.IommuUnits);
        Assert.Equal((16u << 10, 0u), (unit.Size, unit.AmdFeatures));
        // Every function is in the range, so nothing is reported outside the IOMMU's scope; the second IOAPIC is not listed.
        Assert.DoesNotContain(generated.Warnings, w => w.Contains("outside the scope"));
        Assert.Contains(generated.Warnings, w => w.Contains("IOAPIC 34"));
    }

    [Fact]
    public void TooSmallReservationNamesTheOneThatFits()
    {
        var snapshot = SyntheticMachine.Intel("memmap=32M$0x3a000000").Snapshot();
        var error = Assert.Throws<InputException>(() => X86RootCellGenerator.Generate(snapshot, new X86GeneratorOptions()));
        Assert.Contains("memmap=32M$0x3a000000 reserves 32M", error.Message);
        Assert.Contains("use memmap=65M$0x3a000000", error.Message);
        Assert.Equal(1, error.Location.Column);
    }

    [Fact]
    public void ReservationMangledByGrubIsRecognised()
    {
        var snapshot = SyntheticMachine.Intel("BOOT_IMAGE=/vmlinuz memmap=82Mx3a000000 quiet").Snapshot();
        var error = Assert.Throws<InputException>(() => X86RootCellGenerator.Generate(snapshot, new X86GeneratorOptions()));
        Assert.Contains("\"memmap=82Mx3a000000\" lost its \"$0\": GRUB expanded it", error.Message);
        Assert.Equal(21, error.Location.Column);   // after "BOOT_IMAGE=/vmlinuz "
    }

    [Fact]
    public void MissingMcfgLeavesPciToThePortsWithAWarning()
    {
        // Bochs' i440FX, like old chipsets, has configuration mechanism #1 only: our hypervisor
        // filters 0xcf8/0xcfc, so the configuration gets no MMCONFIG area and a warning.
        var machine = SyntheticMachine.Intel();
        machine.Files.Remove("sys/firmware/acpi/tables/MCFG");
        var generated = X86RootCellGenerator.Generate(machine.Snapshot(), new X86GeneratorOptions());
        Assert.Contains(generated.Warnings, w => w.Contains("no ACPI MCFG table", StringComparison.Ordinal));
        Assert.Equal(0UL, generated.Config.System!.Platform.PciMmconfigBase);
        Assert.Equal(0, generated.Config.System.Platform.PciMmconfigEndBus);
    }

    [Fact]
    public void TruncatedDmarIsAnErrorWithTheByteOffset()
    {
        var machine = SyntheticMachine.Intel();
        var dmar = machine.Files["sys/firmware/acpi/tables/DMAR"];
        // Declare a first structure longer than the table.
        dmar[48 + 2] = 0xff;
        var error = Assert.Throws<InputException>(() => X86RootCellGenerator.Generate(machine.Snapshot(), new X86GeneratorOptions()));
        Assert.Equal(50, error.Location.ByteOffset);
        Assert.Contains("DMAR structure", error.Message);
    }
}
