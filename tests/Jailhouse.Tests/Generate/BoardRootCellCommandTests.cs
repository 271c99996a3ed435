using Jailhouse.Boot;
using Jailhouse.Config;
using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Tests.Generate;

/// <summary>
/// `jailhouse board root-cell` (the x86 bring-up step `./build.sh --board=B --snapshot=S.tar`
/// runs): qemu-x86's board with the QEMU q35 snapshot fixture, which was taken with the board's
/// memmap=, and the refusals when the snapshot and the board's plan disagree.
/// </summary>
[Collection("console")]
public sealed class BoardRootCellCommandTests : TempDirectoryTest
{
    private static string QemuX86Board => Path.Combine(Paths.RepositoryRoot, "bsp", "qemu-x86", "board.yaml");

    private string Q35SnapshotTar()
    {
        string q35 = Path.Combine(Paths.RepositoryRoot, "tests", "Jailhouse.Tests", "fixtures", "snapshots", "qemu-q35-intel-iommu");
        string tar = Path.Combine(temp, "snapshot.tar");
        File.WriteAllBytes(tar, SnapshotCollector.Collect(q35, out _).ToTar());
        return tar;
    }

    [Fact]
    public void GeneratesTheRootCellInTheBoardsReservation()
    {
        string output = Path.Combine(temp, "qemu-x86.yaml");
        var (exit, stdout, stderr) = CliTests.RunCli("board", "root-cell", QemuX86Board, "--snapshot", Q35SnapshotTar(), "-o", output);
        Assert.True(exit == 0, stderr);
        Assert.Contains("hypervisor at 0x3a000000", stdout);
        var plan = ReservationPlanner.Plan(BoardDescriptionReader.ReadFile(QemuX86Board));
        var config = ConfigFiles.Load(output, out _);
        Assert.Equal((plan.HypervisorBase, plan.HypervisorSize), (config.System!.HypervisorMemory.PhysStart, config.System.HypervisorMemory.Size));
        var inmates = config.Cell.MemoryRegions.Single(r => r.Name == "inmates");
        Assert.True(plan.Contains(inmates.PhysStart, inmates.Size), $"inmates 0x{inmates.PhysStart:x}+0x{inmates.Size:x}");
        Assert.Equal(plan.InmatesSize, inmates.Size);
        Assert.Empty(ReservationPlanner.Check(plan, config, []));
        Assert.Contains($"the board's kernel command line has {plan.KernelArgument}", File.ReadAllText(output));
    }

    [Fact]
    public void RefusesASnapshotBootedWithAnotherReservationAndWritesNothing()
    {
        // The same board with its reservation elsewhere: the snapshot's memmap= no longer matches.
        string board = Path.Combine(temp, "board.yaml");
        string text = File.ReadAllText(QemuX86Board);
        Assert.Contains("jailhouse: { hypervisor: 6M, inmates: 74M, shmem: 2M, method: memmap }", text);
        File.WriteAllText(board, text.Replace("jailhouse: { hypervisor: 6M, inmates: 74M, shmem: 2M, method: memmap }",
            "jailhouse: { hypervisor: 6M, inmates: 74M, shmem: 2M, method: memmap, base: 0x30000000 }", StringComparison.Ordinal));
        string output = Path.Combine(temp, "qemu-x86.yaml");
        var (exit, _, stderr) = CliTests.RunCli("board", "root-cell", board, "--snapshot", Q35SnapshotTar(), "-o", output);
        Assert.Equal(1, exit);
        Assert.Contains("snapshot.tar: error: the machine was booted with memmap=82M$0x3a000000 (0x3a000000-0x3f1fffff)", stderr);
        Assert.Contains("reserves 0x30000000-0x351fffff", stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void RefusesAnArm64Board()
    {
        string arm = Path.Combine(Paths.RepositoryRoot, "bsp", "qemu-arm64", "board.yaml");
        var (exit, _, stderr) = CliTests.RunCli("board", "root-cell", arm, "--snapshot", Q35SnapshotTar(), "-o", Path.Combine(temp, "x.yaml"));
        Assert.Equal(1, exit);
        Assert.Contains("x86 (amd64) boards only", stderr);
    }
}
