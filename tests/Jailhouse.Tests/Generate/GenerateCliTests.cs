using System.Formats.Tar;

namespace Jailhouse.Tests.Generate;

/// <summary>`jailhouse config collect`, `config create --snapshot` and `diagnose` through the command line.</summary>
[Collection("console")]
public sealed class GenerateCliTests : TempDirectoryTest
{
    private static (int Exit, string Out, string Err) Run(params string[] args) => CliTests.RunCli(args);

    [Fact]
    public void CollectWritesASortedTarWithFixedTimesAndOwners()
    {
        string first = Path.Combine(temp, "a.tar"), second = Path.Combine(temp, "b.tar");
        Assert.Equal(0, Run("config", "collect", "--root", X86RootCellGeneratorTests.RealVm, first).Exit);
        Assert.Equal(0, Run("config", "collect", "--root", X86RootCellGeneratorTests.RealVm, second).Exit);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));

        var names = new List<string>();
        using var reader = new TarReader(File.OpenRead(first));
        while (reader.GetNextEntry() is { } entry)
        {
            Assert.Equal((DateTimeOffset.UnixEpoch, 0, 0), (entry.ModificationTime, entry.Uid, entry.Gid));
            names.Add(entry.Name);
        }
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Contains("proc/iomem", names);
        Assert.Contains("sys/bus/pci/devices/0000:00:01.0/config", names);
        Assert.Contains("sys/firmware/acpi/tables/MCFG", names);
    }

    [Fact]
    public void CreateWritesYamlThatCompiles()
    {
        string tar = Path.Combine(temp, "intel.tar"), yaml = Path.Combine(temp, "root.yaml"), cell = Path.Combine(temp, "root.cell");
        File.WriteAllBytes(tar, SyntheticMachine.Intel().Snapshot().ToTar());
        var (exit, _, err) = Run("config", "create", "--snapshot", tar, "--mem-inmates", "74M", "-o", yaml);
        Assert.True(exit == 0, err);
        string text = File.ReadAllText(yaml);
        Assert.Contains("the kernel command line has memmap=82M$0x3a000000", text);
        Assert.Contains("- name: \"inmates\"\n      phys: 0x3a600000\n      size: 74M", text);
        Assert.Equal(0, Run("config", "compile", yaml, "-o", cell).Exit);
        Assert.Equal(0, Run("config", "show", cell).Exit);
    }

    [Fact]
    public void CreateWithoutReservationFailsWithoutWritingOutput()
    {
        string tar = Path.Combine(temp, "vm.tar"), yaml = Path.Combine(temp, "root.yaml");
        Assert.Equal(0, Run("config", "collect", "--root", X86RootCellGeneratorTests.RealVm, tar).Exit);
        var (exit, _, err) = Run("config", "create", "--snapshot", tar, "-o", yaml);
        Assert.Equal(1, exit);
        Assert.Contains("vm.tar:/proc/cmdline:1:1: error: expected a memmap=SIZE$START reservation", err);
        Assert.Contains("memmap=65M$0x3a000000", err);
        Assert.False(File.Exists(yaml));
        Assert.Empty(Directory.GetFiles(temp, ".*.tmp"));
    }

    [Fact]
    public void CreateRejectsSomethingThatIsNotASnapshot()
    {
        string bogus = Path.Combine(temp, "bogus.tar");
        File.WriteAllText(bogus, "this is not a tar archive, just text that is long enough to look like a header block" + new string('x', 600));
        var (exit, _, err) = Run("config", "create", "--snapshot", bogus);
        Assert.Equal(1, exit);
        Assert.Contains("bogus.tar", err);
        Assert.Contains("expected a tar archive", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void CreateRejectsABadSizeAsAUsageError()
    {
        string tar = Path.Combine(temp, "intel.tar");
        File.WriteAllBytes(tar, SyntheticMachine.Intel().Snapshot().ToTar());
        var (exit, _, err) = Run("config", "create", "--snapshot", tar, "--mem-hv", "6Q");
        Assert.Equal(2, exit);
        Assert.Contains("--mem-hv", err);
    }

    [Trait("Tier", "Images")]
    [Fact]
    public void CreateTakesExactlyOneSourceAndADeviceTreeHasNoMemoryDefaults()
    {
        string tar = Path.Combine(temp, "intel.tar");
        File.WriteAllBytes(tar, SyntheticMachine.Intel().Snapshot().ToTar());
        var neither = Run("config", "create", "-o", Path.Combine(temp, "x.yaml"));
        Assert.Equal(2, neither.Exit);
        Assert.Contains("give exactly one of --snapshot", neither.Err);
        var both = Run("config", "create", "--snapshot", tar, "--dtb", tar, "-o", Path.Combine(temp, "x.yaml"));
        Assert.Equal(2, both.Exit);
        // The x86 defaults (6M, 59M) make no sense on an arbitrary ARM board: the device-tree mode asks.
        string dtb = Path.Combine(DebianKernel.DtbDirectory, "hisilicon", "hi6220-hikey.dtb");
        var noMemory = Run("config", "create", "--dtb", dtb, "-o", Path.Combine(temp, "x.yaml"));
        Assert.Equal(2, noMemory.Exit);
        Assert.Contains("jailhouse: error: --mem-hv: a device tree gives no default", noMemory.Err);
        Assert.False(File.Exists(Path.Combine(temp, "x.yaml")));
    }
}
