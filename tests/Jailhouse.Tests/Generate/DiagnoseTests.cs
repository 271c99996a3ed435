using Jailhouse.Config.Model;
using Jailhouse.Config.Yaml;
using Jailhouse.Generate.Diagnose;
using Jailhouse.Generate.X86;

namespace Jailhouse.Tests.Generate;

/// <summary>
/// `jailhouse diagnose`: the three dumps of the Jailhouse bring-up talk (an APEI ERST read, a write
/// to the RTC's port 0x70, a PCIe capability write through 0xcf8/0xcfc), older and newer print
/// formats, and ARM's unhandled data aborts.
/// </summary>
[Collection("console")]
public sealed class DiagnoseTests : TempDirectoryTest
{
    private const string ErstRead = "FATAL: Invalid MMIO/RAM read, addr: 0x798ab018";
    private const string RtcWrite = "FATAL: Invalid PIO write, port: 70 size: 1";
    private const string PcieCapWrite = "FATAL: Invalid PCI config write, port: cfc, size 2, address port: 800601a8";

    /// <summary>The generated root cell of the synthetic Intel machine, minus what the talk's configuration lacked.</summary>
    private static JailhouseConfig TalkConfig()
    {
        var config = X86RootCellGenerator.Generate(SyntheticMachine.Intel().Snapshot(), new X86GeneratorOptions()).Config;
        config.Cell.MemoryRegions.RemoveAll(r => r.Name == "apei-erst");
        config.Cell.PioRanges.RemoveAll(p => p.Base == 0x70);
        return YamlConfigReader.Read(YamlConfigWriter.Write(config), "talk.yaml");
    }

    private static Diagnosis Explain(string line, JailhouseConfig? config = null) =>
        new Diagnoser(SyntheticMachine.Intel().Snapshot(), config).Explain(Assert.Single(FatalDumpParser.Parse(line)));

    [Fact]
    public void ParsesEveryPrintFormat()
    {
        var dumps = FatalDumpParser.Parse(string.Join('\n',
            "[   12.345] " + ErstRead,
            RtcWrite,
            PcieCapWrite,
            "FATAL: Invalid PIO write, port: cfc size: 2",
            "PCI address port: 800601a8",
            "FATAL: Invalid PCI config write, device 06:00.1, reg: 0xa8, size: 2",
            "FATAL: Invalid MMIO/RAM write, addr: 0x00000000fed40000 size: 4",
            "Unhandled data write at 0x9000000(4)",
            "FATAL: unhandled trap (exception class 0x24)",
            "FATAL: Unhandled MSR write: 1d9",
            "an ordinary line"));
        Assert.Collection(dumps,
            d => Assert.Equal((1, 0x798ab018UL, false, 0), (d.Line, ((MemoryAccessDump)d).Address, ((MemoryAccessDump)d).IsWrite, ((MemoryAccessDump)d).Size)),
            d => Assert.Equal(((ushort)0x70, 1, true), (((PortAccessDump)d).Port, ((PortAccessDump)d).Size, ((PortAccessDump)d).IsWrite)),
            d => Assert.Equal(((byte)6, (byte)0, (byte)1, 0xa8), ((PciConfigDump)d).Target),
            d => Assert.Equal((4, ((byte)6, (byte)0, (byte)1, 0xa8)), (d.Line, ((PciConfigDump)d).Target!.Value)),
            d => Assert.Equal(((byte)6, (byte)0, (byte)1, 0xa8), ((PciConfigDump)d).Target),
            d => Assert.Equal((0xfed40000UL, 4, true), (((MemoryAccessDump)d).Address, ((MemoryAccessDump)d).Size, ((MemoryAccessDump)d).IsWrite)),
            d => Assert.Equal((0x9000000UL, 4, true), (((MemoryAccessDump)d).Address, ((MemoryAccessDump)d).Size, ((MemoryAccessDump)d).IsArm)),
            d => Assert.Equal((byte)0x24, ((ArmTrapDump)d).ExceptionClass),
            d => Assert.IsType<OtherFatalDump>(d));
    }

    [Fact]
    public void ApeiErstReadNamesTheOwnerAndAddsItsPage()
    {
        var d = Explain(ErstRead, TalkConfig());
        Assert.Equal("Reserved (798ab000-79ffffff) > APEI ERST (798ab000-798abfff)", d.Owner);
        Assert.Equal("root-cell: memory (add)", d.FixSection);
        Assert.Equal("- name: \"apei-erst\"\n  phys: 0x798ab000\n  size: 4K\n  flags: [read, write]", d.Fix);
    }

    [Fact]
    public void RtcPortWriteAddsTheRtcsPorts()
    {
        var d = Explain(RtcWrite, TalkConfig());
        Assert.Equal("PCI Bus 0000:00 (0000-0cf7) > rtc0 (0070-0071)", d.Owner);
        Assert.Equal("- { name: \"rtc0\", base: 0x0070, length: 0x2 }", d.Fix);
    }

    [Fact]
    public void PcieCapabilityWriteIsDecodedFromTheAddressPort()
    {
        var d = Explain(PcieCapWrite);
        Assert.Contains("address port 0x800601a8: enable bit 1, bus 0x06, device 0x00, function 1, register 0xa8 + 0 (data port 0xcfc)", d.Findings);
        Assert.Contains("register 0xa8 is at offset 0x8 of its PCI Express capability at 0xa0 (Device Control)", d.Findings);
        Assert.StartsWith("root-cell: pci-caps (add", d.FixSection);
        Assert.Equal("- { name: \"device-06:00.1-exp\", id: exp, start: 0xa0, length: 60, flags: [write] }", d.Fix);
    }

    [Fact]
    public void PcieCapabilityWriteWithTheConfigTurnsOnWriteForTheExistingEntry()
    {
        var d = Explain(PcieCapWrite, TalkConfig());
        Assert.Equal("root-cell: pci-caps (change this entry)", d.FixSection);
        Assert.Equal("- { name: \"device-06:00.1-exp\", id: exp, start: 0xa0, length: 60, flags: [write] }", d.Fix);
    }

    [Fact]
    public void AccessesTheConfigAlreadyAllowsGetNoFix()
    {
        var config = TalkConfig();
        Assert.Null(Explain("FATAL: Invalid MMIO/RAM read, addr: 0x798ac010 size: 4", config).Fix);   // ACPI tables are mapped
        Assert.Null(Explain("FATAL: Invalid PIO read, port: 40 size: 1", config).Fix);                // so is the PIT
    }

    [Fact]
    public void ArmDataAbortGetsAnIoRegion()
    {
        var machine = new SyntheticMachine().Text("proc/iomem", "09000000-09000fff : 9000000.pl011 pl011@9000000\n40000000-7fffffff : System RAM\n");
        var diagnoser = new Diagnoser(machine.Snapshot(), null);
        var d = diagnoser.Explain(FatalDumpParser.Parse("Unhandled data write at 0x9000018(4)")[0]);
        Assert.Equal("- name: \"9000000.pl011-pl011-9000000\"\n  phys: 0x09000000\n  size: 4K\n  flags: [read, write, io]", d.Fix);
    }

    [Fact]
    public void CommandLineReportsAllThreeTalkDumps()
    {
        string log = Path.Combine(temp, "console.log"), tar = Path.Combine(temp, "machine.tar"), yaml = Path.Combine(temp, "root.yaml");
        File.WriteAllText(log, $"Initializing Jailhouse hypervisor\n{ErstRead}\n{RtcWrite}\n{PcieCapWrite}\n");
        File.WriteAllBytes(tar, SyntheticMachine.Intel().Snapshot().ToTar());
        File.WriteAllText(yaml, YamlConfigWriter.Write(TalkConfig()));
        var (exit, stdout, stderr) = CliTests.RunCli("diagnose", log, "--snapshot", tar, "--config", yaml);
        Assert.True(exit == 0, stderr);
        Assert.Contains("console.log:2: FATAL: Invalid MMIO/RAM read, addr: 0x798ab018\n", stdout);
        Assert.Contains("  fix, in root-cell: memory (add):\n    - name: \"apei-erst\"\n", stdout);
        Assert.Contains("console.log:3: FATAL: Invalid PIO write, port: 70 size: 1\n", stdout);
        Assert.Contains("    - { name: \"rtc0\", base: 0x0070, length: 0x2 }\n", stdout);
        Assert.Contains("console.log:4: ", stdout);
        Assert.Contains("flags: [write] }", stdout);
    }

    [Fact]
    public void DeviceMissingFromTheConfigGetsAPciDevicesEntry()
    {
        var config = TalkConfig();
        config.Cell.PciDevices.RemoveAll(d => d.Bdf == 0x0601);
        var d = Explain("FATAL: Invalid PCI config write, device 06:00.1, reg: 0x54, size: 2", config);
        Assert.Contains("06:00.1 is not among the cell's pci-devices, so the hypervisor refuses every access to it", d.Findings);
        Assert.Equal("- name: \"device-06:00.1\"\n  type: device\n  bdf: \"06:00.1\"", d.Fix);
    }

    [Fact]
    public void MmconfigWriteToAnExtendedCapabilityNamesIt()
    {
        var d = Explain("FATAL: Invalid PCI MMCONFIG write, device 00:02.0, reg: 0x108, size: 4");
        Assert.Contains("a config space write of 4 bytes to device 00:02.0, register 0x108 (through MMCONFIG)", d.Findings);
        Assert.Contains("register 0x108 is at offset 0x8 of its AER (extended) capability at 0x100", d.Findings);
        Assert.Equal("- { name: \"device-00:02.0-ext-aer\", id: ext-aer, start: 0x100, length: 64, flags: [write] }", d.Fix);
    }

    [Fact]
    public void RegisterOutsideEveryCapabilityGetsARawRange()
    {
        var d = Explain("FATAL: Invalid PCI config write, device 06:00.1, reg: 0xf2, size: 2");
        Assert.Contains("no capability of 06:00.1 covers register 0xf2 (device-specific registers)", d.Findings);
        Assert.Equal("- { name: \"device-06:00.1-regs-f0\", id: 0, start: 0xf0, length: 4, flags: [write] }", d.Fix);
    }

    [Fact]
    public void WriteToAReadOnlyRegionTurnsOnWrite()
    {
        var config = TalkConfig();
        var acpi = config.Cell.MemoryRegions.Single(r => r.Name == "acpi-tables");
        acpi.Flags = MemoryFlags.Read;
        var d = Explain("FATAL: Invalid MMIO/RAM write, addr: 0x00000000798ac004 size: 4", config);
        Assert.Equal("root-cell: memory (change the flags of this entry)", d.FixSection);
        Assert.Equal("- name: \"acpi-tables\"\n  phys: 0x798ac000\n  size: 4K\n  flags: [read, write]", d.Fix);
    }

    [Fact]
    public void LogWithoutDumpsSaysSo()
    {
        string log = Path.Combine(temp, "quiet.log");
        File.WriteAllText(log, "Initializing Jailhouse hypervisor v0.12\nActivating hypervisor\n");
        var (exit, stdout, _) = CliTests.RunCli("diagnose", log);
        Assert.Equal(0, exit);
        Assert.Equal($"{log}: no hypervisor FATAL dump found\n", stdout);
    }
}
