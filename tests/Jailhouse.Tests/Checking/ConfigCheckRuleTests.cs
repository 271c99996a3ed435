using Jailhouse.Config;
using Jailhouse.Config.Check;
using Jailhouse.Config.Model;
using static Jailhouse.Tests.Checking.CheckFixtures;

namespace Jailhouse.Tests.Checking;

/// <summary>One test per checker rule: a minimal configuration that breaks it (message, entry, line:column) and the fixed one that passes.</summary>
public sealed class ConfigCheckRuleTests
{
    private static Finding Single(CheckReport report, string rule)
    {
        var finding = Assert.Single(report.Findings);
        Assert.Equal(rule, finding.Rule);
        return finding;
    }

    [Fact]
    public void FixturesPass()
    {
        Assert.Empty(Check(("sys.yaml", ArmSystem()), ("demo.yaml", ArmCell())).Findings);
        Assert.Empty(Check(("sys.yaml", X86System()), ("inmate.yaml", X86Cell())).Findings);
    }

    [Fact]
    public void MemoryOverlapInsideACell()
    {
        string bad = ArmSystem("    - { name: extra, phys: 0x5fff0000, size: 128K, flags: [read, write] }");
        var finding = Single(Check(("sys.yaml", bad)), "memory-overlap");
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Equal("root-cell.memory[extra]", finding.Entry);
        Assert.Equal(At("sys.yaml", bad, "name: extra", 7), finding.Location);
        Assert.Equal("0x5fff0000-0x6000ffff overlaps root-cell.memory[ram] 0x40000000-0x5fffffff physically and in the guest", finding.Message);
        Assert.Equal("root", finding.Cell);
        Assert.Empty(Check(("sys.yaml", ArmSystem("    - { name: extra, phys: 0x60000000, size: 128K, flags: [read, write] }"))).Findings);
    }

    [Fact]
    public void GuestAddressOverlapOnly()
    {
        string bad = ArmCell(memory: "    - { name: more, phys: 0x7fb00000, virt: 0x8000, size: 4K, flags: [read, write] }");
        var finding = Single(Check(("demo.yaml", bad)), "memory-overlap");
        Assert.Equal("cell.memory[more]", finding.Entry);
        Assert.Equal("0x8000-0x8fff overlaps cell.memory[ram] 0x0-0xffff in the guest's address space", finding.Message);
        Assert.Empty(Check(("demo.yaml", ArmCell(memory: "    - { name: more, phys: 0x7fb00000, virt: 0x10000, size: 4K, flags: [read, write] }"))).Findings);
    }

    [Fact]
    public void HypervisorMemoryOverlap()
    {
        string bad = ArmSystem("    - { name: high, phys: 0x7fb00000, size: 2M, flags: [read, write, execute] }");
        var finding = Single(Check(("sys.yaml", bad)), "hypervisor-overlap");
        Assert.Equal("root-cell.memory[high]", finding.Entry);
        Assert.Equal(At("sys.yaml", bad, "name: high", 7), finding.Location);
        Assert.Equal("0x7fb00000-0x7fcfffff overlaps the hypervisor's memory 0x7fc00000-0x7fffffff", finding.Message);
        Assert.Empty(Check(("sys.yaml", ArmSystem("    - { name: high, phys: 0x7fa00000, size: 2M, flags: [read, write, execute] }"))).Findings);
    }

    [Fact]
    public void RegionsThatWrapOrLeave48BitPhysicalAddressesAreRefused()
    {
        string wraps = ArmSystem("    - { name: wraps, phys: 0xfffffffffffff000, size: 8K, flags: [read, write, io] }");
        var finding = Single(Check(("sys.yaml", wraps)), "address-range");
        Assert.Equal("root-cell.memory[wraps]", finding.Entry);
        Assert.Equal(At("sys.yaml", wraps, "name: wraps", 7), finding.Location);
        string high = ArmSystem("    - { name: high, phys: 0x1000000000000, size: 4K, flags: [read, write, io] }");
        Assert.Equal("root-cell.memory[high]", Single(Check(("sys.yaml", high)), "address-range").Entry);
        // Wrapped around, the guest range also lands on the cell's RAM at 0: both are reported.
        string guestWraps = ArmCell(memory: "    - { name: more, phys: 0x7fb00000, virt: 0xfffffffffffff000, size: 8K, flags: [read, write] }");
        Assert.Contains(Check(("demo.yaml", guestWraps)).Findings, f => f.Rule == "address-range" && f.Entry == "cell.memory[more]");
        Assert.Empty(Check(("sys.yaml", ArmSystem("    - { name: high, phys: 0xfffffffff000, size: 4K, flags: [read, write, io] }"))).Findings);
    }

    [Fact]
    public void HypervisorMemoryThatWrapsOrHoldsTheDistributorIsRefused()
    {
        string wraps = ArmSystem().Replace("hypervisor-memory: { phys: 0x7fc00000, size: 4M }", "hypervisor-memory: { phys: 0xffffffffffe00000, size: 4M }", StringComparison.Ordinal);
        Assert.Equal("system.hypervisor-memory", Single(Check(("sys.yaml", wraps)), "address-range").Entry);
        string onGicd = ArmSystem(platformArm: "{ gic-version: 3, maintenance-irq: 25, gicd-base: 0x7fc10000, gicr-base: 0x080a0000 }");
        var finding = Single(Check(("sys.yaml", onGicd)), "gic-overlap");
        Assert.Equal("system.platform.arm.gicd-base", finding.Entry);
        Assert.Contains("lies in the hypervisor's memory 0x7fc00000-0x7fffffff", finding.Message);
    }

    [Fact]
    public void OwnHypervisorLimits()
    {
        var own = new CheckOptions { OwnHypervisor = true };
        string smmu = ArmSystem(iommu: "    iommu-units: [{ type: mmu500, base: 0xfd800000, size: 0x20000 }]");
        var finding = Single(Check(own, ("sys.yaml", smmu)), "iommu-not-driven");
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Equal("system.platform.iommu-units[0]", finding.Entry);
        Assert.Empty(Check(("sys.yaml", smmu)).Findings);                         // upstream's hypervisor drives it
        string big = ArmSystem().Replace("size: 4M }", "size: 1G }", StringComparison.Ordinal).Replace("phys: 0x7fc00000", "phys: 0x80000000", StringComparison.Ordinal);
        Assert.Equal("system.hypervisor-memory", Single(Check(own, ("sys.yaml", big)), "hypervisor-size").Entry);
        Assert.Empty(Check(own, ("sys.yaml", ArmSystem())).Findings);
    }

    [Fact]
    public void MmconfigOverlap()
    {
        string bad = ArmSystem("    - { name: ecam, phys: 0x08e00000, size: 64K, flags: [read, write, io] }");
        var finding = Single(Check(("sys.yaml", bad)), "mmconfig-overlap");
        Assert.Equal("root-cell.memory[ecam]", finding.Entry);
        Assert.Equal("0x8e00000-0x8e0ffff overlaps the PCI MMCONFIG window (buses 0-0) 0x8e00000-0x8efffff", finding.Message);
        Assert.Empty(Check(("sys.yaml", ArmSystem("    - { name: ecam, phys: 0x08f00000, size: 64K, flags: [read, write, io] }"))).Findings);
    }

    [Fact]
    public void IommuOverlap()
    {
        string iommu = "    iommu-units: [{ type: mmu500, base: 0x0a000000, size: 128K }]";
        string bad = ArmSystem("    - { name: mmio, phys: 0x0a000000, size: 1M, flags: [read, write, io] }", iommu: iommu);
        var finding = Single(Check(("sys.yaml", bad)), "iommu-overlap");
        Assert.Equal("root-cell.memory[mmio]", finding.Entry);
        Assert.Equal(At("sys.yaml", bad, "name: mmio", 7), finding.Location);
        Assert.Equal("0xa000000-0xa0fffff overlaps IOMMU unit 0 (system.platform.iommu-units[0]) 0xa000000-0xa01ffff", finding.Message);
        Assert.Empty(Check(("sys.yaml", ArmSystem("    - { name: mmio, phys: 0x0a020000, size: 1M, flags: [read, write, io] }", iommu: iommu))).Findings);
    }

    [Fact]
    public void GicV3DistributorAndRedistributors()
    {
        // Four CPUs: the redistributors span 4 x 128 KiB from 0x080a0000.
        string bad = ArmSystem("    - { name: gic, phys: 0x08100000, size: 64K, flags: [read, write, io] }");
        var finding = Single(Check(("sys.yaml", bad)), "gic-overlap");
        Assert.Equal("0x8100000-0x810ffff overlaps the GICR 0x80a0000-0x811ffff", finding.Message);
        Assert.Equal("root-cell.memory[gic]", finding.Entry);
        string gicd = ArmSystem("    - { name: gic, phys: 0x08000000, size: 4K, flags: [read, write, io] }");
        Assert.Equal("0x8000000-0x8000fff overlaps the GICD 0x8000000-0x800ffff", Single(Check(("sys.yaml", gicd)), "gic-overlap").Message);
        Assert.Empty(Check(("sys.yaml", ArmSystem("    - { name: gic, phys: 0x08120000, size: 64K, flags: [read, write, io] }"))).Findings);
    }

    [Fact]
    public void GicV2CpuInterface()
    {
        string v2 = "{ gic-version: 2, maintenance-irq: 25, gicd-base: 0x08000000, gicc-base: 0x08010000, gich-base: 0x08030000, gicv-base: 0x08040000 }";
        string bad = ArmSystem("    - { name: gicc, phys: 0x08011000, size: 4K, flags: [read, write, io] }", platformArm: v2);
        var finding = Single(Check(("sys.yaml", bad)), "gic-overlap");
        Assert.Equal("0x8011000-0x8011fff overlaps the GICC 0x8010000-0x8011fff", finding.Message);
        Assert.Equal(("root-cell.memory[gicc]", At("sys.yaml", bad, "name: gicc", 7)), (finding.Entry, finding.Location));
        Assert.Empty(Check(("sys.yaml", ArmSystem("    - { name: gicc, phys: 0x08020000, size: 4K, flags: [read, write, io] }", platformArm: v2))).Findings);
        var unknown = Single(Check(("sys.yaml", ArmSystem(platformArm: "{ gic-version: 4, gicd-base: 0x08000000 }"))), "gic-version");
        Assert.Equal("system.platform.arm.gic-version", unknown.Entry);
    }

    [Fact]
    public void XApicPage()
    {
        string bad = X86System("    - { name: apic, phys: 0xfee00000, size: 4K, flags: [read, write] }");
        var finding = Single(Check(("sys.yaml", bad)), "xapic-overlap");
        Assert.Equal("root-cell.memory[apic]", finding.Entry);
        Assert.Equal(At("sys.yaml", bad, "name: apic", 7), finding.Location);
        Assert.Equal("0xfee00000-0xfee00fff overlaps the xAPIC page 0xfee00000-0xfee00fff", finding.Message);
        Assert.Empty(Check(("sys.yaml", X86System("    - { name: apic, phys: 0xfee01000, size: 4K, flags: [read, write] }"))).Findings);
    }

    [Fact]
    public void IoapicPage()
    {
        string bad = X86System("    - { name: chipset, phys: 0xfec00000, size: 1M, flags: [read, write] }");
        var finding = Single(Check(("sys.yaml", bad)), "ioapic-overlap");
        Assert.Equal(("root-cell.memory[chipset]", At("sys.yaml", bad, "name: chipset", 7)), (finding.Entry, finding.Location));
        Assert.Equal("0xfec00000-0xfecfffff overlaps an IOAPIC 0xfec00000-0xfec00fff", finding.Message);
        Assert.Empty(Check(("sys.yaml", X86System("    - { name: chipset, phys: 0xfec01000, size: 0xff000, flags: [read, write] }"))).Findings);
    }

    private static string MsixDevice(string barPhys) => X86System(
        $"    - {{ name: bar, phys: {barPhys}, size: 4K, flags: [read, write] }}",
        """
          pci-devices:
            - { name: nic, bdf: "00:02.0", msix: { vectors: 5, region-size: 4K, address: 0xfea90000 } }
        """);

    [Fact]
    public void MsixTableMappedDirectly()
    {
        string bad = MsixDevice("0xfea90000");
        var finding = Single(Check(("sys.yaml", bad)), "msix-mapped");
        Assert.Equal("root-cell.memory[bar]", finding.Entry);
        Assert.Equal(At("sys.yaml", bad, "name: bar", 7), finding.Location);
        Assert.Equal("0xfea90000-0xfea90fff maps the MSI-X table 0xfea90000-0xfea90fff of root-cell.pci-devices[nic] (00:02.0); the hypervisor must trap it", finding.Message);
        Assert.Empty(Check(("sys.yaml", MsixDevice("0xfea91000"))).Findings);
    }

    [Fact]
    public void CapabilitiesOutsideTheCellsList()
    {
        // YAML names guarantee a consecutive run; a generated model can still get it wrong.
        string yaml = X86System(rest: """
          pci-caps:
            - { name: msi, id: msi, start: 0x60, length: 14 }
            - { name: exp, id: exp, start: 0x80, length: 20 }
          pci-devices:
            - { name: nic, bdf: "00:02.0", caps: [msi, exp] }
        """);
        var input = Input("sys.yaml", yaml);
        Assert.Empty(ConfigChecker.Check([input]).Findings);
        input.Config.Cell.PciCapabilities.RemoveAt(1);
        var finding = Single(ConfigChecker.Check([input]), "pci-caps-range");
        Assert.Equal("root-cell.pci-devices[nic]", finding.Entry);
        Assert.Equal(At("sys.yaml", yaml, "name: nic", 7), finding.Location);
        Assert.Equal("the device's 2 capabilities are not one consecutive run of the cell's 1 pci-caps, so caps_start/num_caps cannot describe them", finding.Message);
    }

    private static string IvshmemCell(string devId, string peers = "2") => ArmCell(rest: $$"""
          pci-devices:
            - name: link
              type: ivshmem
              bdf: "00:01.0"
              shmem: { regions: [state, rw, out0, out1], peers: {{peers}}, dev-id: {{devId}} }
        """, memory: """
            - { name: state, phys: 0x7fb00000, size: 4K, flags: [read, rootshared] }
            - { name: rw, phys: 0x7fb01000, size: 4K, flags: [read, write, rootshared] }
            - { name: out0, phys: 0x7fb02000, size: 4K, flags: [read, rootshared] }
            - { name: out1, phys: 0x7fb03000, size: 4K, flags: [read, write, rootshared] }
        """);

    [Fact]
    public void SharedMemoryRegionsOutOfRange()
    {
        var input = Input("demo.yaml", IvshmemCell("1"));
        Assert.Empty(ConfigChecker.Check([input]).Findings);
        // A generator that raised the peer count without adding an output region.
        input.Config.Cell.PciDevices[0].ShmemPeers = 3;
        var finding = Single(ConfigChecker.Check([input]), "shmem-range");
        Assert.Equal("cell.pci-devices[link]", finding.Entry);
        Assert.Equal("an ivshmem device with 3 peers needs 5 consecutive memory regions of the cell (state table, read/write section, one output per peer), it has 4", finding.Message);
    }

    [Fact]
    public void IvshmemPeerIds()
    {
        var own = Single(Check(("demo.yaml", IvshmemCell("2"))), "ivshmem-peers");
        Assert.Equal("dev-id 2 is not below peers 2: the state table has one entry per peer", own.Message);
        var twice = Single(Check(("a.yaml", IvshmemCell("1")), ("b.yaml", IvshmemCell("1").Replace("\"demo\"", "\"other\"").Replace("cpus: 1", "cpus: 2").Replace("0x7fa00000", "0x7f900000"))), "ivshmem-peers");
        Assert.Equal("b.yaml", twice.File);
        Assert.Equal("ivshmem 00:01.0 dev-id 1 is also used by cell \"demo\" (cell.pci-devices[link]): the second cell is refused", twice.Message);
        Assert.Empty(Check(("a.yaml", IvshmemCell("1")), ("b.yaml", IvshmemCell("0").Replace("\"demo\"", "\"other\"").Replace("cpus: 1", "cpus: 2").Replace("0x7fa00000", "0x7f900000"))).Findings);
    }

    [Fact]
    public void CpuInTwoNonRootCells()
    {
        string second = ArmCell(name: "second", cpus: "1-2", ramPhys: "0x7f900000");
        var finding = Single(Check(("sys.yaml", ArmSystem()), ("demo.yaml", ArmCell()), ("second.yaml", second)), "cpu-conflict");
        Assert.Equal("second.yaml", finding.File);
        Assert.Equal("cell.cpus", finding.Entry);
        Assert.Equal(At("second.yaml", second, "cpus:", 9), finding.Location);
        Assert.Equal("CPU 1 also belongs to cell \"demo\" (demo.yaml)", finding.Message);
        Assert.Empty(Check(("sys.yaml", ArmSystem()), ("demo.yaml", ArmCell()), ("second.yaml", ArmCell(name: "second", cpus: "2", ramPhys: "0x7f900000"))).Findings);
    }

    [Fact]
    public void MemoryOfTwoNonRootCellsUnlessShared()
    {
        string second = ArmCell(name: "second", cpus: "2");
        var finding = Single(Check(("demo.yaml", ArmCell()), ("second.yaml", second)), "memory-conflict");
        Assert.Equal("cell.memory[ram]", finding.Entry);
        Assert.Equal(At("second.yaml", second, "name: ram", 7), finding.Location);
        Assert.Equal("0x7fa00000-0x7fa0ffff overlaps 0x7fa00000-0x7fa0ffff of cell \"demo\" (cell.memory[ram]), and the two are not both shared", finding.Message);
        // The UART is mapped by both, but both mark it rootshared.
        Assert.Empty(Check(("demo.yaml", ArmCell()), ("second.yaml", ArmCell(name: "second", cpus: "2", ramPhys: "0x7f900000"))).Findings);
    }

    [Fact]
    public void PciDeviceInTwoNonRootCells()
    {
        string device = """
          pci-devices:
            - { name: nic, bdf: "00:1b.0" }
        """;
        string second = X86Cell(name: "second", cpus: "3", rest: device).Replace("0x3ee00000", "0x3ef00000");
        var finding = Single(Check(("a.yaml", X86Cell(rest: device)), ("b.yaml", second)), "pci-conflict");
        Assert.Equal("cell.pci-devices[nic]", finding.Entry);
        Assert.Equal(At("b.yaml", second, "name: nic", 7), finding.Location);
        Assert.Equal("PCI device 00:1b.0 also belongs to cell \"inmate\" (cell.pci-devices[nic])", finding.Message);
        Assert.Empty(Check(("a.yaml", X86Cell(rest: device)), ("b.yaml", X86Cell(name: "second", cpus: "3").Replace("0x3ee00000", "0x3ef00000"))).Findings);
    }

    [Fact]
    public void IrqPinInTwoNonRootCells()
    {
        static string Chip(string pins) => $$"""
          irqchips:
            - { address: 0x08000000, pin-base: 32, pins: {{pins}} }
        """;
        string second = ArmCell(name: "second", cpus: "2", ramPhys: "0x7f900000", rest: Chip("40-41"));
        var finding = Single(Check(("a.yaml", ArmCell(rest: Chip("41"))), ("b.yaml", second)), "irq-conflict");
        Assert.Equal("cell.irqchips[0]", finding.Entry);
        Assert.Equal(At("b.yaml", second, "address: 0x08000000", 7), finding.Location);
        Assert.Equal("interrupt pin 41 of irqchip 0x8000000 also belongs to cell \"demo\" (cell.irqchips[0])", finding.Message);
        Assert.Empty(Check(("a.yaml", ArmCell(rest: Chip("42"))), ("b.yaml", second)).Findings);
    }

    [Fact]
    public void CpuNotInTheRootCell()
    {
        string bad = ArmCell(cpus: "4");
        var finding = Single(Check(("sys.yaml", ArmSystem()), ("demo.yaml", bad)), "cpu-not-in-root");
        Assert.Equal(At("demo.yaml", bad, "cpus:", 9), finding.Location);
        Assert.Equal("CPU 4 is not in the root cell (CPUs 0-3): a cell can only take CPUs from the root cell", finding.Message);
    }

    [Fact]
    public void CpuZeroIsAWarningAndTheRootMustKeepACpu()
    {
        var warning = Single(Check(("sys.yaml", ArmSystem()), ("demo.yaml", ArmCell(cpus: "0"))), "cpu0");
        Assert.Equal(Severity.Warning, warning.Severity);
        var report = Check(("sys.yaml", ArmSystem(cpus: "0-1")), ("demo.yaml", ArmCell(cpus: "0-1")));
        Assert.Equal(["cpu0", "root-without-cpus"], report.Findings.Select(f => f.Rule).Order());
        var root = report.Findings.Single(f => f.Rule == "root-without-cpus");
        Assert.Equal(("sys.yaml", "root-cell.cpus"), (root.File, root.Entry));
    }

    [Fact]
    public void UnalignedPhys()
    {
        string bad = ArmSystem("    - { name: odd, phys: 0x60000800, virt: 0x60000000, size: 4K, flags: [read, write] }");
        var finding = Single(Check(("sys.yaml", bad)), "unaligned");
        Assert.Equal("root-cell.memory[odd]", finding.Entry);
        Assert.Equal("phys 0x60000800 is not page-aligned while virt 0x60000000 and size 0x1000 are: the page tables would map the wrong bytes", finding.Message);
        Assert.Empty(Check(("sys.yaml", ArmSystem("    - { name: odd, phys: 0x60000000, size: 4K, flags: [read, write] }"))).Findings);
        string hv = ArmSystem().Replace("phys: 0x7fc00000, size: 4M", "phys: 0x7fc00000, size: 0x3ff800");
        var hvFinding = Single(Check(("sys.yaml", hv)), "unaligned");
        Assert.Equal(("system.hypervisor-memory", At("sys.yaml", hv, "hypervisor-memory:", 22)), (hvFinding.Entry, hvFinding.Location));
    }

    [Fact]
    public void SubpageRegionsOnlyForDeviceRegisters()
    {
        string ram = ArmCell(memory: "    - { name: gpio, phys: 0x09030000, size: 0x40, flags: [read, write] }");
        var finding = Single(Check(("demo.yaml", ram)), "subpage");
        Assert.Equal(At("demo.yaml", ram, "name: gpio", 7), finding.Location);
        Assert.StartsWith("virt 0x9030000 or size 0x40 is not a multiple of 4 KiB", finding.Message);
        string noWidths = ArmCell(memory: "    - { name: gpio, phys: 0x09030000, size: 0x40, flags: [read, write, io] }");
        var widths = Single(Check(("demo.yaml", noWidths)), "subpage");
        Assert.Equal("a sub-page io region without access widths: the hypervisor refuses every access to it", widths.Message);
        Assert.Equal(("cell.memory[gpio]", At("demo.yaml", noWidths, "name: gpio", 7)), (widths.Entry, widths.Location));
        Assert.Empty(Check(("demo.yaml", ArmCell(memory: "    - { name: gpio, phys: 0x09030000, size: 0x40, flags: [read, write, io, io-32] }"))).Findings);
    }

    [Fact]
    public void CommRegionMissingDuplicatedOrMisshaped()
    {
        string none = ArmCell(comm: "");
        var missing = Single(Check(("demo.yaml", none)), "comm-region-missing");
        Assert.Equal(Severity.Warning, missing.Severity);
        Assert.Equal("cell.memory", missing.Entry);
        string two = ArmCell(memory: "    - { name: comm2, virt: 0x80001000, size: 4K, flags: [read, write, comm-region] }");
        var duplicate = Single(Check(("demo.yaml", two)), "comm-region-duplicate");
        Assert.Equal(("cell.memory[comm2]", At("demo.yaml", two, "name: comm2", 7)), (duplicate.Entry, duplicate.Location));
        string big = ArmCell(comm: "    - { name: comm, virt: 0x80000000, size: 8K, flags: [read, write, comm-region] }");
        var layout = Single(Check(("demo.yaml", big)), "comm-region-layout");
        Assert.Equal(("cell.memory[comm]", At("demo.yaml", big, "name: comm", 7)), (layout.Entry, layout.Location));
        Assert.Equal("the comm region at 0x80000000 with size 0x2000 is not one page-aligned 4 KiB page; the hypervisor backs it with exactly one page", layout.Message);
        Assert.Equal("the cell has no comm region: it cannot see its state or answer shutdown requests, so only a forced destroy stops it", missing.Message);
        Assert.Equal("a second comm region (the first is cell.memory[comm]): the cell has one comm page", duplicate.Message);
    }

    [Fact]
    public void ConsoleNotMapped()
    {
        string mmio = ArmCell(console: "{ type: pl011, address: 0x09010000, size: 4K, flags: [mmio, regdist-4] }");
        var finding = Single(Check(("demo.yaml", mmio)), "console-unmapped");
        Assert.Equal("cell.console", finding.Entry);
        Assert.Equal(At("demo.yaml", mmio, "console:", 12), finding.Location);
        Assert.Equal("the console's registers at 0x9010000-0x9010fff are not mapped by any memory region of the cell", finding.Message);
        string noPort = X86Cell(pio: "    - { base: 0x2f8, length: 8 }");
        var pio = Single(Check(("inmate.yaml", noPort)), "console-unmapped");
        Assert.Equal(At("inmate.yaml", noPort, "console:", 12), pio.Location);
        Assert.Equal("the console's I/O ports 0x3f8-0x3ff are not in any PIO range of the cell", pio.Message);
        Assert.Empty(Check(("demo.yaml", ArmCell())).Findings);
        Assert.Empty(Check(("inmate.yaml", X86Cell(pio: "    - { base: 0x3f8, length: 8 }"))).Findings);
    }

    [Fact]
    public void ArchitectureMismatch()
    {
        var finding = Single(Check(("sys.yaml", X86System()), ("demo.yaml", ArmCell(cpus: "1"))), "arch-mismatch");
        Assert.Equal("demo.yaml", finding.File);
        Assert.Equal("architecture arm64 differs from x86 of sys.yaml: Jailhouse refuses the cell", finding.Message);
        Assert.Equal("arch", finding.Entry);
        Assert.Empty(Check(("sys.yaml", ArmSystem()), ("demo.yaml", ArmCell(cpus: "1"))).Findings);
    }

    [Fact]
    public void MemoryOutsideTheReservation()
    {
        var options = new CheckOptions { Reservation = (0x7f000000, 16UL << 20) };
        var report = Check(options, ("sys.yaml", ArmSystem()), ("demo.yaml", ArmCell(ramPhys: "0x7ef00000")));
        var finding = Single(report, "outside-reservation");
        Assert.Equal("cell.memory[ram]", finding.Entry);
        Assert.Equal("0x7ef00000-0x7ef0ffff is outside the reservation 0x7f000000-0x7fffffff: Linux would use it as RAM", finding.Message);
        Assert.Empty(Check(options, ("sys.yaml", ArmSystem()), ("demo.yaml", ArmCell())).Findings);
        var hv = Single(Check(new CheckOptions { Reservation = (0x7f000000, 8UL << 20) }, ("sys.yaml", ArmSystem())), "outside-reservation");
        Assert.Equal("system.hypervisor-memory", hv.Entry);
    }
}
