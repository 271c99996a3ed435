using System.Text.RegularExpressions;
using Jailhouse.Boot;

namespace Jailhouse.Tests.Boot;

/// <summary>
/// The driver in the qemu-arm64 image (built by `dotnet cake --target=Images`, which ./test.sh
/// runs first), booted directly (-kernel/-initrd) with `jailhouse.test=kmod`: /init runs
/// bsp/common/tests/kmod.sh, which loads jailhouse.ko, checks /dev/jailhouse and the sysfs tree,
/// lets `jailhouse enable` fail without a hypervisor image, with a bad one and with a fixture image
/// that is entered at EL2 and refuses, runs enable, cell create/load/start/shutdown/destroy and
/// disable against a fixture that accepts every hypercall (bsp/common/tests/arm64/), and unloads it.
/// Hostile ioctls (bsp/common/tests/arm64/user/ioctl-probe.S) get their errno, disabled and
/// enabled, without an oops.
/// </summary>
[Trait("Tier", "Images")]
public partial class KmodBootTests
{
    [GeneratedRegex(@"\b(Oops|BUG|WARNING)\b")]
    private static partial Regex KernelTrouble();

    /// <summary>Boots the board's kernel and initramfs with jailhouse.test=kmod; checks that the script passed.</summary>
    private static string RunKmodTest(string boardName, string kernelFile)
    {
        string artifacts = Path.Combine(Paths.RepositoryRoot, "artifacts", boardName);
        var board = BoardDescriptionReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "bsp", boardName, "board.yaml"));
        string initrd = Path.Combine(artifacts, "initrd.img");
        Assert.True(File.Exists(initrd), $"{initrd} is missing: run `dotnet cake --target=Images --board={boardName}` (./test.sh does)");

        var result = QemuBoot.RunKernel(board, Path.Combine(artifacts, "kernel", kernelFile), initrd, ["jailhouse.test=kmod"], TimeSpan.FromMinutes(3));
        string console = result.Console;
        Assert.True(result.PoweredOff, $"{boardName} did not power off:\n{console}");
        Assert.DoesNotContain("jailhouse-test: FAIL", console);
        Assert.Contains("jailhouse-image: test kmod passed", console);
        Assert.DoesNotMatch(KernelTrouble(), console);
        return console;
    }

    [Fact]
    public void DriverLoadsRefusesEnableWithoutAHypervisorAndUnloads()
    {
        string console = RunKmodTest("qemu-arm64", "Image");
        foreach (string step in new[] { "insmod", "/dev/jailhouse", "enabled 0", "sysfs tree", "enable without firmware",
            "enable with a bad image", "enable with a refusing hypervisor", "disable while disabled",
            "hostile ioctls while disabled", "cell list disabled", "cell create disabled",
            "enable", "cell create", "enable twice", "hostile ioctls while enabled", "cell load", "cell start, stats, shutdown", "cell destroy", "disable", "rmmod", "kernel log clean" })
            Assert.Contains($"jailhouse-test: ok {step}\n", console);

        // What the user sees: the CLI's errno with its meaning, the driver's reason in the kernel log.
        Assert.Contains("jailhouse enable: JAILHOUSE_ENABLE: No such file or directory (ENOENT): the hypervisor firmware /lib/firmware/jailhouse.bin is missing", console);
        Assert.Contains("jailhouse: enable: hypervisor firmware jailhouse.bin not found", console);
        Assert.Contains("jailhouse enable: JAILHOUSE_ENABLE: Invalid argument (EINVAL)", console);
        Assert.Contains("jailhouse: Jailhouse is not enabled", console);
        // The entry path for real: every CPU called the fixture's entry at EL1, which went to EL2
        // through the hyp stub and found the stub's vectors and online_cpus in the header (once
        // per attempt; QEMU has no caches to model, so this cannot catch a missing cache clean),
        // put the stub's vectors back and came back with its -EIO.
        foreach (int cpu in new[] { 0, 1 })
            Assert.Equal(2, Regex.Count(console, $"jailhouse-test-hv: CPU {cpu} entered at EL2, stub vectors known, online_cpus 2\r?\n"));
        Assert.Contains("jailhouse: enable: the hypervisor refused to start (error -5)", console);
        Assert.Contains("jailhouse enable: JAILHOUSE_ENABLE: Input/output error (EIO): the hypervisor refused to start", console);

        // Each hostile argument named (the probe prints one line per case), the driver's reasons in the log.
        foreach (string probe in new[]
        {
            "enable with a NULL configuration", "enable with a configuration wrapping around the address space",
            "enable with a broken signature", "enable with 2^32 - 1 memory regions", "enable with a CPU set larger than the configuration",
            "enable with a configuration cut off by an unmapped page", "an unknown ioctl", "cell create of 0 bytes",
            "cell create of 4 GiB - 1 bytes", "cell create from the last page of the address space", "cell create with its argument unmapped",
            "cell load refusing its first image of a 2^32 - 1 image table", "cell load with its image table unmapped",
            "cell load of an image wrapping around the address space", "cell load of a 2^64 - 1 byte image",
            "cell start of the root cell", "cell destroy of a cell that is not there",
        })
            Assert.Contains($"ioctl-probe: ok {probe}\n", console);
        Assert.Contains("jailhouse: enable: not a system configuration", console);
        Assert.Contains("larger than the hypervisor memory or 16777216 bytes", console);
        // After enable the kernel's mapping of hypervisor memory lost write and execute permission.
        Assert.DoesNotContain("hypervisor memory stays writable and executable", console);
    }

    /// <summary>qemu-x86 under TCG has no VT-x: the amd64 module loads, enable stops at the CPU check, it unloads.</summary>
    [Fact]
    public void X86DriverLoadsAndRefusesEnableWithoutVtx()
    {
        string console = RunKmodTest("qemu-x86", "vmlinuz");
        foreach (string step in new[] { "insmod", "/dev/jailhouse", "enabled 0", "sysfs tree", "enable without VT-x",
            "cell list disabled", "cell create disabled", "rmmod", "kernel log clean" })
            Assert.Contains($"jailhouse-test: ok {step}\n", console);
        Assert.Contains("jailhouse: enable: this CPU has no VT-x", console);
        Assert.Contains("jailhouse enable: JAILHOUSE_ENABLE: No such device (ENODEV): this CPU or kernel cannot run the hypervisor (EL2/VT-x)", console);
    }
}
