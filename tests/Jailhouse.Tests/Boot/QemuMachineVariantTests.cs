using Jailhouse.Boot;

namespace Jailhouse.Tests.Boot;

/// <summary>The board's QEMU machine with another GIC version, CPU count or CPU model (tests, benchmark, `board boot --test`).</summary>
[Collection("console")]
public sealed class QemuMachineVariantTests
{
    private static BoardDescription Board(string name) =>
        BoardDescriptionReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "bsp", name, "board.yaml"));

    [Fact]
    public void ChangesOnlyWhatTheVariantNames()
    {
        var board = Board("qemu-arm64");
        var original = board.Qemu!.Arguments;
        var varied = new QemuMachineVariant(GicVersion: 2, Cpus: 4, CpuModel: "max,pauth-impdef=on").Apply(board);
        Assert.Equal(original.Count, varied.Count);
        int m = varied.ToList().IndexOf("-M") + 1;
        Assert.Equal(original[m].Replace("gic-version=3", "gic-version=2", StringComparison.Ordinal) + ",its=off", varied[m]);
        Assert.Equal("4", varied[varied.ToList().IndexOf("-smp") + 1]);
        Assert.Equal("max,pauth-impdef=on", varied[varied.ToList().IndexOf("-cpu") + 1]);
        Assert.Equal(original[original.ToList().IndexOf("-m") + 1], varied[varied.ToList().IndexOf("-m") + 1]);
        Assert.Equal(original, new QemuMachineVariant().Apply(board));
    }

    [Fact]
    public void GicVersionOnAMachineOtherThanVirtIsRefused()
    {
        var board = Board("qemu-x86");
        var error = Assert.Throws<InputException>(() => new QemuMachineVariant(GicVersion: 3).Apply(board));
        Assert.Contains("virt machine only", error.Message);
        Assert.Contains("board.yaml", error.ToString());
    }

    [Fact]
    public void MachineVariantOfADiskBootIsAUsageError()
    {
        string board = Path.Combine(Paths.RepositoryRoot, "bsp", "qemu-arm64", "board.yaml");
        var (exit, _, err) = CliTests.RunCli("board", "boot", board, "--artifacts", "/nonexistent", "--cpus", "4");
        Assert.Equal(2, exit);
        Assert.Contains("need --test", err);
        (exit, _, err) = CliTests.RunCli("board", "boot", board, "--artifacts", "/nonexistent", "--test", "hypervisor", "--gic-version", "4");
        Assert.Equal(2, exit);
    }
}
