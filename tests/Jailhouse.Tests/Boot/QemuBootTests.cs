using System.Globalization;
using System.Text.RegularExpressions;
using Jailhouse.Boot;

namespace Jailhouse.Tests.Boot;

/// <summary>
/// Boots the QEMU boards' disk images (built by `dotnet cake --target=Images --board=B`, which
/// ./test.sh runs first) through UEFI and GRUB, and checks what /init reports.
/// </summary>
[Trait("Tier", "Images")]
public partial class QemuBootTests
{
    private static QemuBoot.Result Boot(string board)
    {
        var description = BoardDescriptionReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "bsp", board, "board.yaml"));
        string image = Path.Combine(Paths.RepositoryRoot, "artifacts", board, "images", description.Qemu!.Image);
        Assert.True(File.Exists(image), $"{image} is missing: run `dotnet cake --target=Images --board={board}` (./test.sh does)");
        var result = QemuBoot.Run(description, image, TimeSpan.FromMinutes(4));
        Assert.True(result.PoweredOff, $"{board} did not power off:\n{result.Console}");
        Assert.Contains("jailhouse-image: ready", result.Console);
        return result;
    }

    private static string Cmdline(string console) =>
        console.Split('\n').Single(l => l.StartsWith("jailhouse-image: cmdline ", StringComparison.Ordinal))["jailhouse-image: cmdline ".Length..].Trim();

    /// <summary>System RAM ranges Linux reports in /proc/iomem (top level only).</summary>
    private static List<(ulong Start, ulong End)> SystemRam(string console) =>
        IomemLine().Matches(console).Select(m => (ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber), ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber))).ToList();

    [GeneratedRegex(@"jailhouse-image: iomem ([0-9a-f]+)-([0-9a-f]+) : System RAM")]
    private static partial Regex IomemLine();

    [Fact]
    public void QemuArm64BootsWithTheHypervisorMemoryKeptFromLinux()
    {
        var result = Boot("qemu-arm64");
        Assert.Equal("BOOT_IMAGE=/Image console=ttyAMA0 kvm-arm.mode=none id_aa64mmfr1.vh=0 mem=768M", Cmdline(result.Console));
        Assert.Contains("CPU: All CPU(s) started at EL2", result.Console);
        // Linux may use at most 768 MiB of RAM, and none of the hypervisor's 0x7fc00000-0x7fffffff.
        var ram = SystemRam(result.Console);
        Assert.NotEmpty(ram);
        Assert.True(ram.Sum(r => (long)(r.End - r.Start + 1)) <= 768L << 20);
        Assert.DoesNotContain(ram, r => r.End >= 0x7fc00000);
        // The NativeAOT CLI ran on the target and read every cell.
        Assert.Contains("jailhouse-image: config /etc/jailhouse/qemu-arm64.cell: system configuration, arm64, revision 14", result.Console);
        Assert.Contains("jailhouse-image: config /etc/jailhouse/qemu-arm64-inmate-demo.cell: cell configuration, arm64, revision 14", result.Console);
        Assert.Contains("jailhouse-image: inmate /usr/lib/jailhouse/inmates/uart-hello.bin", result.Console);
        // ... and the C# inmates (jailhouse inmate build, passed to board assemble as --inmates).
        Assert.Contains("jailhouse-image: inmate /usr/lib/jailhouse/inmates/gic-demo.bin", result.Console);
        Assert.Contains("jailhouse-image: inmate /usr/lib/jailhouse/inmates/uart-demo.bin", result.Console);
    }

    [Fact]
    public void QemuX86BootsWithTheMemmapReservation()
    {
        var result = Boot("qemu-x86");
        // GRUB would expand an unescaped $0: the argument must arrive intact.
        Assert.Equal("BOOT_IMAGE=/vmlinuz console=ttyS0 intel_iommu=off intremap=on memmap=82M$0x3a000000", Cmdline(result.Console));
        var ram = SystemRam(result.Console);
        Assert.NotEmpty(ram);
        Assert.DoesNotContain(ram, r => r.Start <= 0x3f1fffff && r.End >= 0x3a000000);
        Assert.Contains(ram, r => r.End == 0x39ffffff);
        // The kernel lists the memmap= range as reserved: exactly the planned reservation.
        Assert.Contains("jailhouse-image: iomem 3a000000-3f1fffff : Reserved", result.Console);
        Assert.Contains("jailhouse-image: config /etc/jailhouse/qemu-x86.cell: system configuration, x86, revision 14", result.Console);
        Assert.Contains("jailhouse-image: inmate /usr/lib/jailhouse/inmates/uart-hello.bin", result.Console);
    }

    [Fact]
    public void XeonDUsbDiskBootsInQ35WithOvmf()
    {
        var result = Boot("xeon-d");
        Assert.Equal("BOOT_IMAGE=/vmlinuz console=ttyS0,115200 intel_iommu=off intremap=on memmap=66M$0x3b000000", Cmdline(result.Console));
        var ram = SystemRam(result.Console);
        Assert.DoesNotContain(ram, r => r.Start <= 0x3f1fffff && r.End >= 0x3b000000);
        Assert.Contains(ram, r => r.End == 0x3affffff);
        Assert.Contains("jailhouse-image: iomem 3b000000-3f1fffff : Reserved", result.Console);
    }
}
