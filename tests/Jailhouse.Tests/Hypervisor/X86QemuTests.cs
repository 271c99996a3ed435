using System.Buffers.Binary;
using Jailhouse.Boot;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// The x86-64 image in QEMU (q35, TCG): loader-x86.S plays the driver (long mode, hypervisor
/// memory mapped at JAILHOUSE_BASE, entry(0) called). TCG has no VT-x, so the run ends where
/// VMX begins -- which still proves the x86 image's entry, its C# (console, configuration,
/// root-cell EPT) and the error return to the caller.
/// </summary>
[Collection("hypervisor-build")]
[Trait("Tier", "Images")]
public sealed class X86QemuTests(X86HypervisorBuild build) : IClassFixture<X86HypervisorBuild>
{
    private const ulong HypervisorPhys = 0x3a000000;

    [Fact]
    public void EntryRunsTheCsharpCoreAndReportsMissingVtXToTheCaller()
    {
        string source = Path.Combine(Paths.RepositoryRoot, "tests", "Jailhouse.Tests", "Hypervisor", "loader-x86.S");
        string obj = Path.Combine(build.Directory, "loader-x86.o");
        string elf = Path.Combine(build.Directory, "loader-x86.elf");
        string loader = Path.Combine(build.Directory, "loader-x86.bin");
        Tool.Ok("as", "--defsym", $"HV_PHYS=0x{HypervisorPhys:x}", "--defsym", $"HEADER_ENTRY={HypervisorHeader.EntryOffset}", "-o", obj, source);
        Tool.Ok("ld", "-m", "elf_x86_64", "-Ttext=0x100000", "-o", elf, obj);
        Tool.Ok("objcopy", "-O", "binary", elf, loader);

        byte[] image = File.ReadAllBytes(build.Image.BinPath);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(HypervisorHeader.MaxCpusOffset), 4); // CPUs 0-3
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(HypervisorHeader.OnlineCpusOffset), 1);
        string imagePath = Path.Combine(build.Directory, "loaded.bin");
        File.WriteAllBytes(imagePath, image);
        string configPath = Path.Combine(build.Directory, "qemu-x86.cell");
        File.WriteAllBytes(configPath, HypervisorTestMemory.CompileYaml("configs/qemu-x86/qemu-x86.yaml"));
        ulong configAddress = HypervisorPhys + build.Image.CoreSize + 4 * build.Image.PerCpuSize;

        var (exit, output) = Tool.Run("timeout", "20", "qemu-system-x86_64", "-M", "q35", "-m", "1G", "-display", "none",
            "-serial", "stdio", "-no-reboot", "-kernel", loader,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-device", $"loader,file={imagePath},addr=0x{HypervisorPhys:x},force-raw=on",
            "-device", $"loader,file={configPath},addr=0x{configAddress:x},force-raw=on");
        output = output.Replace("\r", "");
        Assert.True(exit == 1, $"expected the loader's debug-exit (QEMU exit 1), got {exit}:\n{output}"); // (0 << 1) | 1
        Assert.Contains("Jailhouse hypervisor in C# (x86) initializing\n", output);
        Assert.Contains("System configuration: root cell \"QEMU-VM\", 4 CPUs, 31 memory regions\n", output);
        Assert.Contains("Root cell EPT: PML4 at 0x3a0", output);
        Assert.Contains("VT-x is not available", output);
        Assert.Contains("loader: entry returned ffffffffffffffed\n", output); // -ENODEV
        Assert.Contains("loader: done\n", output);
    }
}
