using System.Runtime.InteropServices;

namespace Jailhouse.Hypervisor;

/// <summary>
/// struct jailhouse_header (upstream include/jailhouse/header.h), the first 80 bytes of the image
/// on 64-bit architectures. The build fills signature .. gcov_info_head (header.S with values
/// from the linker script); the driver fills max_cpus .. arm_linux_hyp_abi before entry;
/// arch_entry fills debug_console_base on arm64. The one definition of the header's layout: the
/// linker (build/Jailhouse.Boot) compiles this file too, HypervisorLayoutTests checks asm-defines.h
/// and assembles header.S against it, and DriverLayoutTests compiles kmod's struct jh_header.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal unsafe struct HypervisorHeader
{
    public const int Size = 80;
    public const string SignatureText = "JAILHOUS";
    public const int SignatureLength = 8;
    /// <summary>The fields the build fills end here; the driver's (max_cpus onwards) follow.</summary>
    public const int BuildFieldsEnd = MaxCpusOffset;

    public const int SignatureOffset = 0;
    public const int CoreSizeOffset = 8;
    public const int PerCpuSizeOffset = 16;
    public const int EntryOffset = 24;
    public const int ConsolePageOffset = 32;
    public const int GcovInfoHeadOffset = 40;
    public const int MaxCpusOffset = 48;
    public const int OnlineCpusOffset = 52;
    public const int DebugConsoleBaseOffset = 56;
    public const int ArmLinuxHypVectorsOffset = 64;
    public const int ArmLinuxHypAbiOffset = 72;

    /// <summary>arm_linux_hyp_abi: Linux before 4.12 (HVC_SET_VECTORS = 1).</summary>
    public const uint HypStubAbiLegacy = 0;
    /// <summary>arm_linux_hyp_abi: Linux 4.12 and later (HVC_SET_VECTORS = 0).</summary>
    public const uint HypStubAbiOpcode = 1;

    [FieldOffset(SignatureOffset)] public fixed byte Signature[SignatureLength];
    /// <summary>Bytes from the header to the end of bss, page aligned (the page pool starts there).</summary>
    [FieldOffset(CoreSizeOffset)] public ulong CoreSize;
    [FieldOffset(PerCpuSizeOffset)] public ulong PerCpuSize;
    /// <summary>Offset of arch_entry from the header; the driver calls base + entry.</summary>
    [FieldOffset(EntryOffset)] public ulong Entry;
    /// <summary>Offset of the console page (struct jailhouse_virt_console) from the header.</summary>
    [FieldOffset(ConsolePageOffset)] public ulong ConsolePage;
    [FieldOffset(GcovInfoHeadOffset)] public ulong GcovInfoHead;
    /// <summary>Highest logical CPU ID of the root cell + 1 (driver).</summary>
    [FieldOffset(MaxCpusOffset)] public uint MaxCpus;
    /// <summary>CPUs that will call the entry (driver).</summary>
    [FieldOffset(OnlineCpusOffset)] public uint OnlineCpus;
    [FieldOffset(DebugConsoleBaseOffset)] public ulong DebugConsoleBase;
    /// <summary>Physical address of Linux's hyp-stub vectors (driver, ARM).</summary>
    [FieldOffset(ArmLinuxHypVectorsOffset)] public ulong ArmLinuxHypVectors;
    [FieldOffset(ArmLinuxHypAbiOffset)] public uint ArmLinuxHypAbi;
}
