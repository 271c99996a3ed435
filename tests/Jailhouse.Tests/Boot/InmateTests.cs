using Jailhouse.Binaries;
using Jailhouse.Boot;

namespace Jailhouse.Tests.Boot;

/// <summary>The demo inmates build, and run bare-metal in QEMU, without a hypervisor under them.</summary>
public sealed class InmateTests : TempDirectoryTest
{

    [Trait("Tier", "Images")]
    [Fact]
    public void Arm64InmatePrintsOnThePl011()
    {
        string inmate = InmateBuilder.Build(Paths.RepositoryRoot, "arm64", temp).Single(f => f.EndsWith("uart-hello.bin", StringComparison.Ordinal));
        // Position independent: QEMU loads the flat binary at its own address and jumps to it.
        var result = Tool.Run("timeout", "10", "qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a72", "-nographic", "-kernel", inmate);
        Assert.Contains("Hello from a Jailhouse inmate (arm64)", result.Output);
    }

    [Trait("Tier", "Images")]
    [Fact]
    public void X86InmateStartsFromTheResetVectorAndPrintsOnCom1()
    {
        string inmate = InmateBuilder.Build(Paths.RepositoryRoot, "amd64", temp).Single(f => f.EndsWith("uart-hello.bin", StringComparison.Ordinal));
        // 64 KiB ending in the reset vector: QEMU runs it as the firmware, in real mode at 0xffff0.
        Assert.Equal(65536, new FileInfo(inmate).Length);
        var result = Tool.Run("timeout", "10", "qemu-system-x86_64", "-nographic", "-bios", inmate);
        Assert.Contains("Hello from a Jailhouse inmate (x86)", result.Output);
    }

    [Fact]
    public void InmatesBuildToTheSameBytesTwice()
    {
        string first = InmateBuilder.Build(Paths.RepositoryRoot, "arm64", Path.Combine(temp, "a")).Single();
        string second = InmateBuilder.Build(Paths.RepositoryRoot, "arm64", Path.Combine(temp, "b")).Single();
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }
}
