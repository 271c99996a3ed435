using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// The assembly and the C# of the hypervisor describe the same structures twice (the assembly
/// cannot include C#): the constants of arch/*/asm-defines.h must equal the C# layouts, and
/// header.S, assembled and linked here, must put each field where HypervisorHeader says.
/// </summary>
public sealed partial class HypervisorLayoutTests : TempDirectoryTest
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
    public unsafe void Arm64AssemblyConstantsMatchTheCsharpLayouts()
    {
        var d = Defines("arm64");
        Assert.Equal((ulong)El2State.PerCpuAreaSize, d["PERCPU_SIZE"]);
        Assert.Equal((ulong)El2State.SveSaveOffset, d["PERCPU_SVE"]);
        Assert.Equal((ulong)PerCpu.ArchDataOffset, d["PERCPU_SAVED_EL2"]);
        Assert.Equal((ulong)El2State.Hcr * 8, d["SAVED_HCR"]);
        Assert.Equal((ulong)El2State.Cptr * 8, d["SAVED_CPTR"]);
        Assert.Equal((ulong)El2State.Sctlr * 8, d["SAVED_SCTLR"]);
        Assert.Equal((ulong)El2State.Tcr * 8, d["SAVED_TCR"]);
        Assert.Equal((ulong)El2State.Mair * 8, d["SAVED_MAIR"]);
        Assert.Equal((ulong)El2State.Ttbr0 * 8, d["SAVED_TTBR0"]);
        Assert.Equal((ulong)El2State.Vtcr * 8, d["SAVED_VTCR"]);
        Assert.Equal((ulong)El2State.Vttbr * 8, d["SAVED_VTTBR"]);
        Assert.Equal((ulong)El2State.Tpidr * 8, d["SAVED_TPIDR"]);
        Assert.Equal((ulong)El2State.StackPointer * 8, d["SAVED_SP"]);
        Assert.Equal((ulong)El2State.SaveFlags * 8, d["SAVED_FLAGS"]);
        Assert.Equal((ulong)El2State.Count * 8, d["SAVED_EL2_SIZE"]);
        Assert.True(El2State.Count <= El2State.Firmware);
        Assert.True(El2State.Firmware + sizeof(FirmwareFeatures) / 8 <= PerCpu.ArchDataCount);
        Assert.Equal(El2State.HardenBranchPredictor, 1UL << (int)d["HARDEN_BP_BIT"]);
        Assert.Equal((ulong)SmcCalls.SmcccArchWorkaround1, d["SMCCC_ARCH_WORKAROUND_1"]);
        Assert.Equal(El2State.SaveSve, 1UL << (int)d["SAVE_SVE_BIT"]);
        Assert.Equal(El2State.SaveSme, 1UL << (int)d["SAVE_SME_BIT"]);
        Assert.Equal(El2State.CptrTfp, d["CPTR_TFP"]);
        // PerCpu page, then the SVE save area, then at least 16 KiB of stack.
        Assert.True(El2State.SveSaveOffset >= sizeof(PerCpu));
        Assert.True(El2State.PerCpuAreaSize - El2State.SveSaveOffset - El2State.SveSaveSize >= 16384);
        Assert.Equal((ulong)TrapFrame.SvcrOffset, d["FRAME_SVCR"]);
        Assert.Equal(Jailhouse.Config.Check.OwnHypervisorRules.Arm64MaxHypervisorMemory, d["HV_MEMORY_MAX"]);
        string script = File.ReadAllText(Path.Combine(Paths.RepositoryRoot, "hypervisor", "arch", "arm64", "hypervisor.lds"));
        Assert.Contains($"PERCPU_SIZE = {El2State.PerCpuAreaSize};", script);
        Assert.Equal((ulong)HypervisorHeader.CoreSizeOffset, d["HEADER_CORE_SIZE"]);
        Assert.Equal((ulong)HypervisorHeader.MaxCpusOffset, d["HEADER_MAX_CPUS"]);
        Assert.Equal((ulong)HypervisorHeader.DebugConsoleBaseOffset, d["HEADER_DEBUG_CONSOLE"]);
        Assert.Equal((ulong)HypervisorHeader.ArmLinuxHypVectorsOffset, d["HEADER_HYP_VECTORS"]);
        Assert.Equal((ulong)HypervisorHeader.ArmLinuxHypAbiOffset, d["HEADER_HYP_ABI"]);
        Assert.Equal((ulong)SystemConfig.HypervisorMemoryField, d["SYS_HV_PHYS"]);
        Assert.Equal((ulong)(SystemConfig.HypervisorMemoryField + Jailhouse.Config.Binary.BinaryLayout.MemorySizeField), d["SYS_HV_SIZE"]);
        Assert.Equal((ulong)SystemConfig.DebugConsoleField, d["SYS_DEBUG_CONSOLE"]);
        Assert.Equal((ulong)TrapFrame.ElrOffset, d["FRAME_ELR"]);
        Assert.Equal((ulong)TrapFrame.QOffset, d["FRAME_Q"]);
        Assert.Equal((ulong)TrapFrame.FpsrOffset, d["FRAME_FPSR"]);
        Assert.Equal((ulong)TrapFrame.Size, d["FRAME_SIZE"]);
        Assert.Equal(TrapFrame.QOffset + 32 * 16, TrapFrame.FpsrOffset);
    }

    [Fact]
    public void X86AssemblyConstantsMatchTheCsharpLayouts()
    {
        var d = Defines("x86");
        Assert.Equal((ulong)PerCpu.AreaSize, d["PERCPU_SIZE"]);
        Assert.Equal((ulong)PerCpu.CallerStackOffset, d["PERCPU_CALLER_STACK"]);
        Assert.Equal((ulong)PerCpu.GuestRegistersOffset, d["PERCPU_GUEST_REGS"]);
        Assert.Equal((ulong)PerCpu.FpuStateOffset, d["PERCPU_FXSAVE"]);
        Assert.Equal((ulong)PerCpu.ArchDataOffset + 8 * X86PerCpu.LinuxCr3, d["PERCPU_LINUX_CR3"]);
        Assert.Equal((ulong)PerCpu.ArchDataOffset + 8 * X86PerCpu.HostNmis, d["PERCPU_HOST_NMIS"]);
        Assert.Equal(0, PerCpu.FpuStateOffset % 16); // FXSAVE needs 16-byte alignment
        Assert.Equal((ulong)HypervisorHeader.MaxCpusOffset, d["HEADER_MAX_CPUS"]);
    }

    [Fact]
    public void HeaderAssemblyPutsEachFieldWhereTheCsharpHeaderHasIt()
    {
        string obj = Path.Combine(temp, "header.o");
        string elf = Path.Combine(temp, "header.elf");
        string bin = Path.Combine(temp, "header.bin");
        Tool.Ok("clang", "--target=x86_64-linux-gnu", "-c", "-o", obj, Path.Combine(Paths.RepositoryRoot, "hypervisor", "header.S"));
        // The linker script's symbols, each with a value of its own.
        Tool.Ok("ld.lld", "--entry=hypervisor_header", "--defsym", "__core_size=0x1111000", "--defsym", "__percpu_size=0x2222000",
            "--defsym", "__entry_offset=0x3333", "--defsym", "__console_offset=0x4444000", "-o", elf, obj);
        Tool.Ok("objcopy", "-O", "binary", "-j", ".header", elf, bin);
        byte[] header = File.ReadAllBytes(bin);

        Assert.Equal(HypervisorHeader.Size, header.Length);
        Assert.Equal(HypervisorHeader.SignatureText, System.Text.Encoding.ASCII.GetString(header, HypervisorHeader.SignatureOffset, HypervisorHeader.SignatureLength));
        Assert.Equal(0x1111000UL, BitConverter.ToUInt64(header, HypervisorHeader.CoreSizeOffset));
        Assert.Equal(0x2222000UL, BitConverter.ToUInt64(header, HypervisorHeader.PerCpuSizeOffset));
        Assert.Equal(0x3333UL, BitConverter.ToUInt64(header, HypervisorHeader.EntryOffset));
        Assert.Equal(0x4444000UL, BitConverter.ToUInt64(header, HypervisorHeader.ConsolePageOffset));
        Assert.Equal(HypervisorHeader.GcovInfoHeadOffset + 8, HypervisorHeader.BuildFieldsEnd);
        Assert.Equal(-1, header.AsSpan(HypervisorHeader.GcovInfoHeadOffset).IndexOfAnyExcept((byte)0));
    }

    [Fact]
    public unsafe void CsharpLayoutsMatchUpstreamsStructures()
    {
        Assert.Equal(HypervisorHeader.Size, sizeof(HypervisorHeader));
        Assert.Equal(HypervisorHeader.Size, Unsafe.SizeOf<HypervisorHeader>());
        Assert.Equal(4096, sizeof(PerCpu));
        Assert.Equal(TrapFrame.Size, sizeof(TrapFrame));
        Assert.Equal(0, TrapFrame.Size % 16); // the EL2 stack stays 16-byte aligned
    }
}
