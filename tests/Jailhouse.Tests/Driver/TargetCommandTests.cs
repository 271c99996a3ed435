namespace Jailhouse.Tests.Driver;

/// <summary>The target commands on a machine without the driver (this host): clear errors, exit codes, no stack traces.</summary>
[Collection("console")]
public sealed class TargetCommandTests : TempDirectoryTest
{
    [Fact]
    public void WithoutTheModuleCommandsSaySo()
    {
        var (exit, _, err) = CliTests.RunCli("cell", "list");
        Assert.Equal(1, exit);
        Assert.Contains("the jailhouse module is not loaded", err);
        (exit, _, err) = CliTests.RunCli("disable");
        Assert.Equal(1, exit);
        Assert.Equal("jailhouse disable: open /dev/jailhouse: No such file or directory (ENOENT): the jailhouse module is not loaded (modprobe jailhouse)\n", err);
    }

    [Fact]
    public void AWrongConfigurationFileIsRefusedBeforeTheDevice()
    {
        string cell = Path.Combine(Paths.ReferenceCells, "arm64", "qemu-arm64-inmate-demo.cell");
        var (exit, _, err) = CliTests.RunCli("enable", cell);
        Assert.Equal(1, exit);
        Assert.Equal($"{cell}: error: at byte 0: expected the signature \"JHSYS\" of a system configuration\n", err);
        (exit, _, err) = CliTests.RunCli("cell", "create", Path.Combine(temp, "missing.cell"));
        Assert.Equal(1, exit);
        Assert.Contains("missing.cell: error: cannot read the file: no such file or directory", err);
    }

    [Fact]
    public void LoadAddressesBelongToTheImageBeforeThem()
    {
        var (exit, _, err) = CliTests.RunCli("cell", "load", "demo", "-a", "0x1000", "image.bin");
        Assert.Equal(2, exit);
        Assert.Contains("jailhouse: error: -a: ADDRESS must follow the image it belongs to", err);
        File.WriteAllBytes(Path.Combine(temp, "image.bin"), [1, 2, 3]);
        (exit, _, err) = CliTests.RunCli("cell", "load", "demo", Path.Combine(temp, "image.bin"), "-a", "0x1g");
        Assert.Equal(2, exit);
        Assert.Contains("\"0x1g\" is not an address", err);
        (exit, _, err) = CliTests.RunCli("cell", "load", new string('n', 32), Path.Combine(temp, "image.bin"));
        Assert.Equal(2, exit);
        Assert.Contains("longer than 31 bytes", err);
        (exit, _, err) = CliTests.RunCli("cell", "load", "demo");
        Assert.Equal(2, exit);
        Assert.Contains("jailhouse: error: cell load: needs an IMAGE or -s STRING", err);
        // Well-formed: the device is the first thing missing.
        (exit, _, err) = CliTests.RunCli("cell", "load", "demo", Path.Combine(temp, "image.bin"), "-a", "0x1000", "-s", "console=ttyAMA0", "-a", "4096");
        Assert.Equal(1, exit);
        Assert.Contains("open /dev/jailhouse", err);
        (exit, _, err) = CliTests.RunCli("cell", "load", "demo", Path.Combine(temp, "nothere.bin"));
        Assert.Equal(1, exit);
        Assert.Contains("nothere.bin: error: cannot read the file: no such file or directory", err);
    }
}
