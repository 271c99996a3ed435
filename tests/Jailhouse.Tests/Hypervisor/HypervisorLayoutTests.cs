using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Jailhouse.Boot;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// The assembly and the C# of the hypervisor describe the same structures twice (the assembly
/// cannot include C#): the constants of arch/*/asm-defines.h must equal the C# layouts, and the
/// committed default board parameters must be what `jailhouse boot params` generates today.
/// </summary>
public sealed partial class HypervisorLayoutTests
{
    [GeneratedRegex(@"^#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)", RegexOptions.Multiline)]
    private static partial Regex Define();

    private static Dictionary<string, ulong> Defines(string arch)
    {
        string text = File.ReadAllText(Path.Combine(Paths.RepositoryRoot, "hypervisor", "arch", arch, "asm-defines.h"));
        return Define().Matches(text).ToDictionary(
            m => m.Groups[1].Value,
            m => m.Groups[2].Value.StartsWith("0x", StringComparison.Ordinal)
                ? ulong.Parse(m.Groups[2].Value[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                : ulong.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Arm64_assembly_constants_match_the_csharp_layouts()
    {
        var d = Defines("arm64");
        Assert.Equal((ulong)PerCpu.AreaSize, d["PERCPU_SIZE"]);
        Assert.Equal((ulong)HypervisorHeader.CoreSizeOffset, d["HEADER_CORE_SIZE"]);
        Assert.Equal((ulong)HypervisorHeader.MaxCpusOffset, d["HEADER_MAX_CPUS"]);
        Assert.Equal((ulong)HypervisorHeader.DebugConsoleBaseOffset, d["HEADER_DEBUG_CONSOLE"]);
        Assert.Equal((ulong)HypervisorHeader.ArmLinuxHypVectorsOffset, d["HEADER_HYP_VECTORS"]);
        Assert.Equal((ulong)HypervisorHeader.ArmLinuxHypAbiOffset, d["HEADER_HYP_ABI"]);
        Assert.Equal((ulong)SystemConfig.HypervisorMemoryField, d["SYS_HV_PHYS"]);
        Assert.Equal((ulong)SystemConfig.HypervisorMemoryField + 16, d["SYS_HV_SIZE"]);
        Assert.Equal((ulong)SystemConfig.DebugConsoleField, d["SYS_DEBUG_CONSOLE"]);
        Assert.Equal((ulong)TrapFrame.ElrOffset, d["FRAME_ELR"]);
        Assert.Equal((ulong)TrapFrame.QOffset, d["FRAME_Q"]);
        Assert.Equal((ulong)TrapFrame.FpsrOffset, d["FRAME_FPSR"]);
        Assert.Equal((ulong)TrapFrame.Size, d["FRAME_SIZE"]);
        Assert.Equal(TrapFrame.QOffset + 32 * 16, TrapFrame.FpsrOffset);
    }

    [Fact]
    public void X86_assembly_constants_match_the_csharp_layouts()
    {
        var d = Defines("x86");
        Assert.Equal((ulong)PerCpu.AreaSize, d["PERCPU_SIZE"]);
        Assert.Equal((ulong)PerCpu.CallerStackOffset, d["PERCPU_CALLER_STACK"]);
        Assert.Equal((ulong)PerCpu.GuestRegistersOffset, d["PERCPU_GUEST_REGS"]);
        Assert.Equal((ulong)PerCpu.FpuStateOffset, d["PERCPU_FXSAVE"]);
        Assert.Equal((ulong)PerCpu.ArchDataOffset + 8 * 2, d["PERCPU_LINUX_CR3"]); // ArchData[Vmx.LinuxCr3]
        Assert.Equal(0, PerCpu.FpuStateOffset % 16); // FXSAVE needs 16-byte alignment
        Assert.Equal((ulong)HypervisorHeader.MaxCpusOffset, d["HEADER_MAX_CPUS"]);
    }

    [Fact]
    public unsafe void Csharp_layouts_match_upstreams_structures()
    {
        Assert.Equal(HypervisorHeader.Size, sizeof(HypervisorHeader));
        Assert.Equal(HypervisorHeader.Size, Unsafe.SizeOf<HypervisorHeader>());
        Assert.Equal(4096, sizeof(PerCpu));
        Assert.Equal(TrapFrame.Size, sizeof(TrapFrame));
        Assert.Equal(0, TrapFrame.Size % 16); // the EL2 stack stays 16-byte aligned
    }

    [Theory]
    [InlineData("qemu-arm64")]
    [InlineData("qemu-x86")]
    public void Committed_default_board_parameters_are_current(string board)
    {
        var description = BoardDescriptionReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "bsp", board, "board.yaml"));
        string expected = BoardParameters.CSharp(description, ReservationPlanner.Plan(description));
        Assert.Equal(expected, File.ReadAllText(Path.Combine(Paths.RepositoryRoot, "hypervisor", "boards", board + ".cs")));
    }
}
