using Jailhouse.Config.Binary;
using Jailhouse.Config.Yaml;
using Jailhouse.Generate.Snapshot;
using Jailhouse.Generate.X86;

namespace Jailhouse.Tests.Generate;

/// <summary>
/// The Bochs machine's root cell (tests/Jailhouse.Tests/fixtures/bochs/) is derived, not
/// written: the generator must still make it, byte for byte, from the snapshot Bochs printed.
/// </summary>
public sealed class BochsFixtureTests
{
    private static string Fixture(string name) => Path.Combine(Paths.RepositoryRoot, "tests", "Jailhouse.Tests", "fixtures", "bochs", name);

    [Fact]
    public void TheCommittedRootCellIsWhatConfigCreateMakesOfTheSnapshot()
    {
        byte[] tar = ConsoleSnapshot.Extract(File.ReadAllText(Fixture("snapshot-console.log")), "snapshot-console.log");
        var snapshot = SystemSnapshot.ReadTar(new MemoryStream(tar), "snapshot-console.log");
        var generated = X86RootCellGenerator.Generate(snapshot, new X86GeneratorOptions { Console = "ttyS1", InmateSize = 74UL << 20 });
        Assert.Contains(generated.Warnings, w => w.Contains("no ACPI MCFG", StringComparison.Ordinal));
        Assert.Equal(0x3a000000UL, generated.Reservation.Start);
        var committed = YamlConfigReader.Read(File.ReadAllText(Fixture("bochs-x86.yaml")), Fixture("bochs-x86.yaml"));
        Assert.Equal(ConfigBinaryWriter.Write(committed), ConfigBinaryWriter.Write(generated.Config));
        // Linux keeps COM1, the hypervisor prints on COM2, and the RTC is the root cell's.
        Assert.Equal(0x2f8UL, committed.System!.DebugConsole.Address);
        Assert.Contains(committed.Cell.PioRanges, p => p.Base == 0x3f8);
        Assert.Contains(committed.Cell.PioRanges, p => p.Base == 0x70);
        Assert.DoesNotContain(committed.Cell.PioRanges, p => p.Base <= 0x2f8 && 0x2f8 < p.Base + p.Length);
    }
}
