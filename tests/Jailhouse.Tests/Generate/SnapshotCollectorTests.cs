using Jailhouse.Generate.Snapshot;
using Jailhouse.Generate.X86;

namespace Jailhouse.Tests.Generate;

/// <summary>What `config collect` takes from a root directory, and what it warns about.</summary>
public sealed class SnapshotCollectorTests : TempDirectoryTest
{
    private void Write(string path, string text)
    {
        string full = Path.Combine(temp, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    [Fact]
    public void TakesOnlyTheListedFilesAndWarnsAboutMissingTables()
    {
        Write("proc/iomem", "00000000-00000000 : System RAM\n");
        Write("proc/ioports", "00000000-00000000 : PCI Bus 0000:00\n");
        Write("proc/cpuinfo", "processor : 0\n");
        Write("proc/cmdline", "quiet\n");
        Write("proc/meminfo", "MemTotal: 1 kB\n");
        Write("sys/bus/pci/devices/0000:00:00.0/config", new string('\0', 64));
        Write("sys/bus/pci/devices/0000:00:00.0/driver_override", "(null)\n");
        var snapshot = SnapshotCollector.Collect(temp, out var warnings);
        Assert.Equal(
            ["proc/cmdline", "proc/cpuinfo", "proc/iomem", "proc/ioports", "sys/bus/pci/devices/0000:00:00.0/config"],
            snapshot.Paths);
        Assert.Contains(warnings, w => w.Contains("no ACPI MADT"));
        Assert.Contains(warnings, w => w.Contains("no ACPI MCFG"));
        Assert.Contains(warnings, w => w.Contains("run `jailhouse config collect` as root"));
        Assert.Contains(warnings, w => w.Contains("cut at 64 bytes"));
    }

    [Fact]
    public void MissingProcIsAnError()
    {
        var error = Assert.Throws<InputException>(() => SnapshotCollector.Collect(temp, out _));
        Assert.EndsWith("proc/iomem", error.Location.File);
    }

    [Fact]
    public void SnapshotTakenWhileJailhouseRanIsRefused()
    {
        var machine = SyntheticMachine.Intel().Text("sys/devices/jailhouse/enabled", "1\n");
        var error = Assert.Throws<InputException>(() => X86RootCellGenerator.Generate(machine.Snapshot(), new X86GeneratorOptions()));
        Assert.Contains("Jailhouse was enabled", error.Message);
    }

    [Fact]
    public void TarRoundTripKeepsEveryFile()
    {
        var snapshot = SyntheticMachine.Amd().Snapshot();
        using var tar = new MemoryStream(snapshot.ToTar());
        var back = SystemSnapshot.ReadTar(tar, "amd.tar");
        Assert.Equal(snapshot.Paths, back.Paths);
        Assert.All(snapshot.Paths, p => Assert.Equal(snapshot.TryRead(p), back.TryRead(p)));
    }
}
