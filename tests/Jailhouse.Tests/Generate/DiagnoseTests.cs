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
}
