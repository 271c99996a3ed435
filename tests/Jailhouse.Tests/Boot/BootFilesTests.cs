namespace Jailhouse.Tests.Boot;

[Collection("console")]
public sealed class BootFilesTests : TempDirectoryTest
{

    [Fact]
    public void BootFilesCarryThePlannedCommandLineForEveryConsumer()
    {
        var (exit, _, err) = CliTests.RunCli("boot", "files", "--board", Path.Combine(Paths.RepositoryRoot, "bsp", "xeon-d", "board.yaml"), "-o", temp);
        Assert.True(exit == 0, err);
        Assert.Equal("console=ttyS0,115200 intel_iommu=off intremap=on memmap=66M$0x3b000000\n", File.ReadAllText(Path.Combine(temp, "cmdline.txt")));
        Assert.Contains("linux /vmlinuz console=ttyS0,115200 intel_iommu=off intremap=on memmap=66M\\$0x3b000000\n", File.ReadAllText(Path.Combine(temp, "grub.cfg")));
        Assert.Equal("GRUB_CMDLINE_LINUX_DEFAULT='console=ttyS0,115200 intel_iommu=off intremap=on memmap=66M\\$0x3b000000'\n", File.ReadAllText(Path.Combine(temp, "default-grub")));
        Assert.False(File.Exists(Path.Combine(temp, "board-params.h"))); // one hypervisor image per architecture: no board parameters
        Tool.Ok("grub-script-check", Path.Combine(temp, "grub.cfg"));
    }

    [Trait("Tier", "Images")]
    [Fact]
    public void HikeyDeviceTreeGetsTheCommandLineAndTheDebugUartAsStdoutPath()
    {
        string dtb = Path.Combine(DebianKernel.DtbDirectory, "hisilicon", "hi6220-hikey.dtb");
        var (exit, _, err) = CliTests.RunCli("boot", "files", "--board", Path.Combine(Paths.RepositoryRoot, "bsp", "hikey", "board.yaml"), "--dtb", dtb, "-o", temp);
        Assert.True(exit == 0, err);
        string edited = Path.Combine(temp, "hi6220-hikey.dtb");
        string cmdline = File.ReadAllText(Path.Combine(temp, "cmdline.txt")).TrimEnd('\n');
        Assert.Equal(cmdline, Tool.Stdout("fdtget", edited, "/chosen", "bootargs").TrimEnd('\n'));
        // UART3, the PL011 at 0xf7113000, is the board's debug console.
        string stdout = Tool.Stdout("fdtget", edited, "/chosen", "stdout-path").TrimEnd('\n');
        Assert.Equal("/soc/serial@f7113000:115200n8", stdout);
        Assert.Equal("arm,pl011 arm,primecell", Tool.Stdout("fdtget", edited, "/soc/serial@f7113000", "compatible").TrimEnd('\n'));
        // hikey keeps Linux off the hypervisor with mem=: no reserved-memory node is added for it.
        Assert.DoesNotContain("jailhouse@", Tool.Stdout("dtc", "-I", "dtb", "-O", "dts", edited));
    }

    [Fact]
    public void QemuArm64DeviceTreeIsDumpedFromQemuAndEdited()
    {
        var (exit, _, err) = CliTests.RunCli("boot", "files", "--board", Path.Combine(Paths.RepositoryRoot, "bsp", "qemu-arm64", "board.yaml"), "-o", temp);
        Assert.True(exit == 0, err);
        string edited = Path.Combine(temp, "qemu-arm64.dtb");
        Assert.Equal("console=ttyAMA0 kvm-arm.mode=none id_aa64mmfr1.vh=0 mem=768M", Tool.Stdout("fdtget", edited, "/chosen", "bootargs").TrimEnd('\n'));
        Assert.Equal("/pl011@9000000:115200n8", Tool.Stdout("fdtget", edited, "/chosen", "stdout-path").TrimEnd('\n'));
        // QEMU's machine: GICv3 at the board's GICD base.
        Assert.Equal("arm,gic-v3", Tool.Stdout("fdtget", edited, "/intc@8000000", "compatible").TrimEnd('\n'));
    }
}
