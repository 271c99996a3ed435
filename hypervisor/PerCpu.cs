using System.Runtime.InteropServices;

namespace Jailhouse.Hypervisor;

/// <summary>
/// The per-CPU area: <see cref="HypervisorHeader.PerCpuSize"/> bytes for each CPU at the start
/// of the page pool (CPU n at pool + n * size). This struct is its first page; the CPU's
/// hypervisor stack fills the rest and ends at the end of the area. The assembly in
/// arch/*/entry.S uses the offsets below (asm-defines.h repeats them; a test compares).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 4096)]
internal unsafe struct PerCpu
{
    public const int AreaSize = 16384;
    public const int CpuIdOffset = 0;
    public const int CallerReturnOffset = 8;
    public const int CallerStackOffset = 16;

    public const int OwnerCellOffset = 24;
    public const int PowerStateOffset = 32;
    public const int WakeEntryOffset = 40;
    public const int WakeContextOffset = 48;
    public const int ParkRequestOffset = 56;
    public const int StatsOffset = 64;
    public const int StatCount = 8;
    public const int ArchDataOffset = 128;
    public const int ArchDataCount = 16;
    public const int GuestRegistersOffset = 256;
    public const int FpuStateOffset = 512;
    public const int FpuStateSize = 512;
    public const int IrqStateOffset = 1024;
    public const int IrqStateSize = 1024;

    // Indices into Stats, as Jailhouse's JAILHOUSE_CPU_STAT_* (hypercall.h).
    public const int StatVmexitsTotal = 0;
    public const int StatVmexitsMmio = 1;
    public const int StatVmexitsManagement = 2;
    public const int StatVmexitsHypercall = 3;
    // arm64 (JAILHOUSE_CPU_STAT_VMEXITS_*, arm-common): maintenance interrupts, injected
    // interrupts, trapped SGIs.
    public const int StatVmexitsMaintenance = 4;
    public const int StatVmexitsVirq = 5;
    public const int StatVmexitsVsgi = 6;

    [FieldOffset(CpuIdOffset)] public uint CpuId;
    /// <summary>Where the root cell continues after the entry call (its link register / return address).</summary>
    [FieldOffset(CallerReturnOffset)] public ulong CallerReturn;
    /// <summary>The caller's stack pointer (x86; on arm64 SP_EL1 is untouched).</summary>
    [FieldOffset(CallerStackOffset)] public ulong CallerStack;
    /// <summary>The non-root cell this CPU belongs to, null while it is the root cell's (<see cref="Control"/> sets it).</summary>
    [FieldOffset(OwnerCellOffset)] public Cell* OwnerCell;
    /// <summary>Whether the CPU runs its cell or waits in the hypervisor (<see cref="PowerState"/>);
    /// other CPUs read it, so it is accessed with acquire/release.</summary>
    [FieldOffset(PowerStateOffset)] public uint PowerState;
    /// <summary>Where a waiting CPU starts when its cell turns it on (PSCI CPU_ON), and its x0.</summary>
    [FieldOffset(WakeEntryOffset)] public ulong WakeEntry;
    [FieldOffset(WakeContextOffset)] public ulong WakeContext;
    /// <summary>Set by a CPU managing this one's cell: stop running the cell at the next trap and
    /// wait in the hypervisor (<see cref="PowerState.Off"/>) until the cell is started again.</summary>
    [FieldOffset(ParkRequestOffset)] public uint ParkRequest;
    [FieldOffset(StatsOffset)] public fixed ulong Stats[StatCount];
    /// <summary>Architecture state of this CPU (x86: VMXON region and VMCS addresses).</summary>
    [FieldOffset(ArchDataOffset)] public fixed ulong ArchData[ArchDataCount];
    /// <summary>x86: the guest's general registers rax..r15 while the hypervisor runs (vmx.S).</summary>
    [FieldOffset(GuestRegistersOffset)] public fixed ulong GuestRegisters[16];
    /// <summary>x86: FXSAVE area for the caller's, later the guest's, FPU/SSE state.</summary>
    [FieldOffset(FpuStateOffset)] public fixed byte FpuState[FpuStateSize];
    /// <summary>arm64: the CPU's interrupt virtualization state (saved CPU interface, queue of interrupts to inject).</summary>
    [FieldOffset(IrqStateOffset)] public fixed byte IrqState[IrqStateSize];
}

/// <summary>Values of <see cref="PerCpu.PowerState"/>.</summary>
internal static class PowerState
{
    /// <summary>Not (yet) entered: the hypervisor has no say over it.</summary>
    public const uint Absent = 0;
    /// <summary>Running its cell.</summary>
    public const uint Running = 1;
    /// <summary>Turned off by its cell (PSCI CPU_OFF): waiting in the hypervisor to be turned on.</summary>
    public const uint Off = 2;
    /// <summary>Turned on by another CPU of its cell: about to start at WakeEntry.</summary>
    public const uint Waking = 3;
    /// <summary>Stopped for good in the hypervisor after an error (reported as failed).</summary>
    public const uint Failed = 4;
    /// <summary>Stopping after an error while its report is written: already held in the
    /// hypervisor (disable is refused), reported as failed only once the report is out, so
    /// whoever sees it failed also finds the whole report on the console.</summary>
    public const uint Stopping = 5;
}
