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
        Assert.Contains("#define CONFIG_HYPERVISOR_BASE 0x3b000000 ", File.ReadAllText(Path.Combine(temp, "board-params.h")));
        Tool.Ok("grub-script-check", Path.Combine(temp, "grub.cfg"));
    }
}
