using Jailhouse.Binaries;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>`jailhouse hypervisor link` on bad input: a clear message, exit 1, nothing left behind; and the header check.</summary>
[Collection("console")]
public sealed class HypervisorLinkCliTests : TempDirectoryTest
{
    private static string Source => Path.Combine(Paths.RepositoryRoot, "hypervisor");

    [Fact]
    public void AMissingObjectNamesThePublishCommand()
    {
        string output = Path.Combine(temp, "out");
        var (exit, _, stderr) = CliTests.RunCli("hypervisor", "link", "--arch", "arm64", "--source", Source,
            "--object", Path.Combine(temp, "none.o"), "-o", output);
        Assert.Equal(1, exit);
        Assert.Contains("none.o", stderr);
        Assert.Contains("dotnet publish", stderr);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any());
    }

    [Fact]
    public void AnUnknownArchitectureIsAnError()
    {
        var (exit, _, stderr) = CliTests.RunCli("hypervisor", "link", "--arch", "riscv", "--source", Source, "-o", Path.Combine(temp, "out"));
        Assert.Equal(1, exit);
        Assert.Contains("expected arm64 or x86, found \"riscv\"", stderr);
    }

    [Fact]
    public void BuildWithAnUnknownArchitectureIsAnErrorBeforeAnyWork()
    {
        string output = Path.Combine(temp, "out");
        var (exit, _, stderr) = CliTests.RunCli("hypervisor", "build", "--arch", "riscv", "--source", Source, "-o", output);
        Assert.Equal(1, exit);
        Assert.Contains("expected arm64 or x86, found \"riscv\"", stderr);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void ABadObjectFailsInTheLinkerWithoutOutputFiles()
    {
        string bogus = Path.Combine(temp, "bogus.o");
        File.WriteAllText(bogus, "not an object");
        string output = Path.Combine(temp, "out");
        var (exit, _, stderr) = CliTests.RunCli("hypervisor", "link", "--arch", "arm64", "--source", Source, "--object", bogus, "-o", output);
        Assert.Equal(1, exit);
        Assert.Contains("ld.lld failed", stderr);
        Assert.False(File.Exists(Path.Combine(output, "jailhouse.bin")));
        Assert.False(Directory.Exists(Path.Combine(output, ".link-tmp")));
    }

    [Fact]
    public void TheHeaderCheckNamesTheFieldAtFault()
    {
        byte[] image = new byte[8192];
        System.Text.Encoding.ASCII.GetBytes(HypervisorHeader.SignatureText).CopyTo(image, HypervisorHeader.SignatureOffset);
        BitConverter.TryWriteBytes(image.AsSpan(HypervisorHeader.CoreSizeOffset), 0x3000UL);
        BitConverter.TryWriteBytes(image.AsSpan(HypervisorHeader.PerCpuSizeOffset), 0x4000UL);
        BitConverter.TryWriteBytes(image.AsSpan(HypervisorHeader.EntryOffset), 0x800UL);
        BitConverter.TryWriteBytes(image.AsSpan(HypervisorHeader.ConsolePageOffset), 0x2000UL);
        Assert.Equal(0x800UL, Jailhouse.Binaries.HypervisorLinker.Check("ok.bin", image).EntryOffset);

        BitConverter.TryWriteBytes(image.AsSpan(HypervisorHeader.EntryOffset), 0x9000UL);
        var error = Assert.Throws<InputException>(() => Jailhouse.Binaries.HypervisorLinker.Check("bad.bin", image));
        Assert.Contains("entry offset inside the image", error.Message);
        BitConverter.TryWriteBytes(image.AsSpan(HypervisorHeader.EntryOffset), 0x800UL);
        image[HypervisorHeader.MaxCpusOffset] = 16; // max_cpus must be left to the driver
        Assert.Throws<InputException>(() => Jailhouse.Binaries.HypervisorLinker.Check("bad.bin", image));
        image[HypervisorHeader.SignatureOffset] = (byte)'X';
        Assert.Contains("JAILHOUS", Assert.Throws<InputException>(() => Jailhouse.Binaries.HypervisorLinker.Check("bad.bin", image)).Message);
    }
}
