namespace Jailhouse.Hypervisor;

/// <summary>
/// The descriptor tables the hypervisor runs on after a VM exit, its own as upstream's (the
/// VMCS host state names them): a GDT per CPU with one 64-bit code segment and the CPU's TSS,
/// the TSS whose first interrupt stack takes NMIs, double faults and machine checks, and one
/// IDT for every CPU with a gate per exception vector (exceptions.S). Linux's tables are no
/// longer reachable from the host: its kernel half is not mapped there.
/// </summary>
internal static unsafe class X86HostDescriptors
{
    public const ushort CodeSelector = 0x08;
    /// <summary>The TSS's 16-byte system descriptor fills GDT entries 2 and 3.</summary>
    public const ushort TssSelector = 0x10;
    public const int GdtEntries = 4;
    /// <summary>Where the TSS lies in the CPU's descriptor page, behind the GDT.</summary>
    public const int TssOffset = 64;
    public const int TssSize = 104;
    /// <summary>
    /// Where leaving VMX builds a GDT to reload Linux's TR from (the rest of the page, for TR
    /// selectors up to <see cref="LeaveScratchSize"/> - 16): Linux's own descriptor is marked
    /// busy since Linux loaded it, LTR wants one that is not, and Linux's GDT may be mapped
    /// read-only (it is on Linux 6.1), so a copy of the descriptor is loaded instead.
    /// </summary>
    public const int LeaveScratchOffset = 2048;
    public const int LeaveScratchSize = 2048;
    public const int ExceptionVectors = 32;
    public const int VectorNmi = 2;
    public const int VectorDoubleFault = 8;
    public const int VectorPageFault = 14;
    public const int VectorMachineCheck = 18;
    /// <summary>IST index (1-based, as the gate encodes it) of the stack for NMI, #DF and #MC:
    /// those may arrive on a stack that is not usable.</summary>
    public const int InterruptStack = 1;
    /// <summary>Each exception stub is this many bytes long (exceptions.S aligns them).</summary>
    public const int StubSize = 16;

    /// <summary>Linux's __KERNEL_CS descriptor, as a 64-bit code segment is written anywhere:
    /// present, ring 0, execute/read, L set, 4 KiB granularity, the limit at its maximum.</summary>
    public const ulong Code64Descriptor = 0x00af_9a00_0000_ffff;
    private const ulong TssTypeAvailable = 0x89; // present, ring 0, 64-bit TSS (available)
    private const ulong InterruptGate = 0x8e;     // present, ring 0, 64-bit interrupt gate

    /// <summary>The GDT: null, code, TSS (two entries).</summary>
    public static void FillGdt(ulong* gdt, ulong tssBase)
    {
        gdt[0] = 0;
        gdt[CodeSelector >> 3] = Code64Descriptor;
        ulong limit = TssSize - 1;
        gdt[TssSelector >> 3] = (limit & 0xffff) | ((tssBase & 0xff_ffff) << 16) | (TssTypeAvailable << 40)
            | (((limit >> 16) & 0xf) << 48) | (((tssBase >> 24) & 0xff) << 56);
        gdt[(TssSelector >> 3) + 1] = tssBase >> 32;
    }

    /// <summary>The TSS: no stack for other privilege levels (the host never leaves ring 0),
    /// <paramref name="interruptStackTop"/> as IST1, no I/O bitmap (its offset is the limit).</summary>
    public static void FillTss(byte* tss, ulong interruptStackTop)
    {
        for (int i = 0; i < TssSize; i++)
            tss[i] = 0;
        *(ulong*)(tss + 36) = interruptStackTop;   // IST1 (unaligned in the 64-bit TSS)
        *(ushort*)(tss + 102) = TssSize;           // I/O map base: none
    }

    /// <summary>One 16-byte interrupt gate to <paramref name="handler"/> in the host code segment.</summary>
    public static void FillGate(ulong* gate, ulong handler, int interruptStack)
    {
        gate[0] = (handler & 0xffff) | ((ulong)CodeSelector << 16) | ((ulong)(interruptStack & 7) << 32)
            | (InterruptGate << 40) | (((handler >> 16) & 0xffff) << 48);
        gate[1] = handler >> 32;
    }

    /// <summary>The IDT: a gate per exception vector to its stub (<paramref name="stubs"/> +
    /// vector * <see cref="StubSize"/>); NMI, #DF and #MC on the interrupt stack. The other
    /// vectors stay not present (the host runs with interrupts off).</summary>
    public static void FillIdt(ulong* idt, ulong stubs)
    {
        for (int vector = 0; vector < ExceptionVectors; vector++)
        {
            bool ownStack = vector == VectorNmi || vector == VectorDoubleFault || vector == VectorMachineCheck;
            FillGate(idt + 2 * vector, stubs + (ulong)(vector * StubSize), ownStack ? InterruptStack : 0);
        }
    }

    /// <summary>Whether the CPU pushes an error code for <paramref name="vector"/> (exceptions.S
    /// pushes a zero for the others, so every frame looks alike).</summary>
    public static bool HasErrorCode(int vector) =>
        vector is 8 or 10 or 11 or 12 or 13 or 14 or 17 or 21 or 29 or 30;
}
