using Jailhouse.Boot;

namespace Jailhouse.Tests.UpToDate;

/// <summary>`jailhouse config check --board`: a board's configurations, sorted into system, alternatives and cells, checked against its reservation.</summary>
[Collection("console")]
public sealed class BoardConfigurationsTests : TempDirectoryTest
{
    private static string Board(string name) => Path.Combine(Paths.RepositoryRoot, "bsp", name, "board.yaml");

    [Fact]
    public void QemuArm64HasOneSystemOneAlternativeAndTwoCells()
    {
        var description = BoardDescriptionReader.ReadFile(Board("qemu-arm64"));
        var found = BoardConfigurations.Find(BoardConfigurations.DefaultDirectory(Board("qemu-arm64"), description), description);
        Assert.Equal("qemu-arm64.yaml", Path.GetFileName(found.SystemFile));
        Assert.Equal(["qemu-arm64-gicv2.yaml"], found.AlternativeSystems.Select(Path.GetFileName));
        Assert.Equal(["qemu-arm64-inmate-demo.yaml", "qemu-arm64-linux-demo.yaml"], found.Cells.Select(Path.GetFileName));
        Assert.Equal(4, found.CheckSets().Count()); // the system alone, with each cell, the alternative alone
    }

    [Fact]
    public void TheCommittedBoardsConfigurationsPassTheirChecks()
    {
        foreach (string board in new[] { "qemu-arm64", "qemu-x86", "hikey" })
        {
            var (exit, stdout, stderr) = CliTests.RunCli("config", "check", "--board", Board(board));
            Assert.True(exit == 0, board + ": " + stdout + stderr);
            Assert.Contains("0 errors", stdout);
        }
    }

    [Fact]
    public void ACellOutsideTheReservationFailsTheBoardCheck()
    {
        string configs = Path.Combine(temp, "configs");
        Directory.CreateDirectory(configs);
        foreach (string file in Directory.EnumerateFiles(Path.Combine(Paths.RepositoryRoot, "configs", "qemu-x86"), "*.yaml"))
            File.Copy(file, Path.Combine(configs, Path.GetFileName(file)));
        string tiny = Path.Combine(configs, "tiny-demo.yaml");
        string text = File.ReadAllText(tiny);
        int phys = text.IndexOf("phys: 0x", StringComparison.Ordinal);
        Assert.True(phys > 0);
        int end = text.IndexOf('\n', phys);
        File.WriteAllText(tiny, text[..phys] + "phys: 0x1000000" + text[end..]);
        var (exit, stdout, _) = CliTests.RunCli("config", "build", "--board", Board("qemu-x86"), "--configs", configs, "-o", Path.Combine(temp, "out"));
        Assert.Equal(1, exit);
        Assert.Contains("tiny-demo", stdout);
        Assert.Contains("outside the reservation", stdout);
    }

    [Fact]
    public void CheckWithoutFilesNeedsABoard()
    {
        var (exit, _, stderr) = CliTests.RunCli("config", "check");
        Assert.Equal(2, exit);
        Assert.Contains("--board for all of a board's configurations", stderr);
    }
}
