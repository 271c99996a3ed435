using System.Text.RegularExpressions;
using Jailhouse.Boot;
using Xunit.Abstractions;

namespace Jailhouse.Tests.Boot;

/// <summary>
/// x86 under emulated VT-x: the qemu-x86 image's kernel and initramfs (built by `dotnet cake
/// --target=Assemble --board=qemu-x86`) booted in Bochs through the board's `bochs:` machine
/// (GRUB rescue ISO, 2 CPUs, the plan's memmap=). Bochs is slow (minutes per boot on a busy
/// machine), so every test boots once and checks everything it can from that console.
/// </summary>
[Trait("Tier", "Images")]
public partial class BochsBootTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(15);

    /// <summary>The kernel in trouble (not the boot-time "RETBleed: WARNING" about Bochs' CPU model).</summary>
    [GeneratedRegex(@"\bOops\b|\bBUG:|WARNING: CPU:|Kernel panic")]
    private static partial Regex KernelTrouble();

    internal static (BoardDescription Board, string Kernel, string Initrd) QemuX86Image()
    {
        string artifacts = Path.Combine(Paths.RepositoryRoot, "artifacts", "qemu-x86");
        var board = BoardDescriptionReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "bsp", "qemu-x86", "board.yaml"));
        string initrd = Path.Combine(artifacts, "initrd.img");
        Assert.True(File.Exists(initrd), $"{initrd} is missing: run `dotnet cake --target=Assemble --board=qemu-x86` (./test.sh does)");
        return (board, Path.Combine(artifacts, "kernel", "vmlinuz"), initrd);
    }

    /// <summary>Boots the image with <paramref name="cells"/> added as /etc/jailhouse/NAME (an
    /// uncompressed cpio appended to the initramfs, which Linux unpacks over the first).</summary>
    internal static BochsBoot.Result Boot(ITestOutputHelper output, string name, IEnumerable<(string Name, byte[] Bytes)> cells,
        params string[] arguments)
    {
        var (board, kernel, initrd) = QemuX86Image();
        string work = Path.Combine(Path.GetTempPath(), $"jailhouse-bochs-{name}-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        string bootInitrd = Path.Combine(work, "initrd-test.img");
        using (var stream = new FileStream(bootInitrd, FileMode.Create))
        {
            using (var original = File.OpenRead(initrd))
                original.CopyTo(stream);
            while (stream.Length % 4 != 0)
                stream.WriteByte(0);
            var cpio = new Jailhouse.Images.CpioWriter();
            foreach (var (cellName, bytes) in cells)
                cpio.AddFile($"etc/jailhouse/{cellName}", bytes);
            cpio.WriteTo(stream, DateTimeOffset.UnixEpoch);
        }
        var result = BochsBoot.RunKernel(board, kernel, bootInitrd, arguments, Limit, work);
        output.WriteLine($"{name}: {result.Elapsed.TotalSeconds:F0} s in Bochs, logs in {result.LogDirectory}");
        foreach (string error in result.EmulatorErrors)
            output.WriteLine($"bochs.log: {error}");
        return result;
    }

    [Fact]
    public void Debian_kernel_boots_to_init_on_two_cpus_with_the_plans_memmap()
    {
        var result = Boot(output, "plain", []);
        string console = result.Console;
        Assert.True(result.PoweredOff, $"no power-off within {Limit}:\n{console}");
        Assert.Empty(result.EmulatorErrors);
        Assert.Contains("jailhouse-image: ready", console);
        // The plan's reservation reached the kernel through grub.cfg with its `$` intact.
        var plan = ReservationPlanner.Plan(QemuX86Image().Board);
        Assert.Contains($"jailhouse-image: cmdline ", console);
        Assert.Contains(plan.KernelArgument!, console);
        Assert.Matches(@"smp: Brought up 1 node, 2 CPUs", console);
        Assert.DoesNotMatch(KernelTrouble(), console);
    }
}
