using Jailhouse.Config.Binary;
using Jailhouse.Hypervisor;

namespace Jailhouse.Inmate;

/// <summary>
/// The inmate's text output. <see cref="Init"/> picks the device as upstream's inmates do, from
/// the communication region: the debug-console hypercall when the cell's flags make it active,
/// else the cell's console (a PL011, or an 8250 with 1- or 4-byte register distance). Without a
/// communication region (bare metal) the PL011 at QEMU virt's 0x09000000. Formatting is the
/// hypervisor's <see cref="PrintFormat"/>: %d %u %x %0Nx %s %%, 64-bit arguments.
/// </summary>
internal static unsafe class Console
{
    // Console types and flags of struct jailhouse_console (a copy of Jailhouse.Config's
    // ConsoleType/ConsoleFlags, checked by InmateLayoutTests).
    public const ushort TypeUart8250 = 0x2;
    public const ushort TypePl011 = 0x3;
    public const ushort FlagRegDist4 = 0x0002;

    /// <summary>The hypercall code of "print one character" (hypervisor/Hypercalls.cs DebugConsolePutc).</summary>
    public const ulong HypercallDebugConsolePutc = 8;

    /// <summary>QEMU virt's PL011, the console when there is no communication region.</summary>
    public const ulong QemuVirtPl011 = 0x09000000;

    private const int KindNone = 0;
    private const int KindPl011 = 1;
    private const int Kind8250 = 2;
    private const int KindHypercall = 3;

    private static int kind;
    private static byte* registers;
    private static bool fourByteRegisters;

    public static void Init()
    {
        if (!CommRegion.IsPresent)
        {
            kind = KindPl011;
            registers = (byte*)QemuVirtPl011;
            return;
        }
        if ((CommRegion.Flags & CommRegion.FlagDebugPutcActive) != 0)
        {
            kind = KindHypercall;
            return;
        }
        byte* console = CommRegion.Console;
        ushort type = Mmio16.Read(console + BinaryLayout.ConsoleTypeField);
        registers = (byte*)Mmio64.Read(console + BinaryLayout.ConsoleAddress);
        fourByteRegisters = (Mmio16.Read(console + BinaryLayout.ConsoleFlagsField) & FlagRegDist4) != 0;
        kind = type == TypePl011 ? KindPl011 : type == TypeUart8250 ? Kind8250 : KindNone;
    }

    public static void Put(byte c)
    {
        if (c == (byte)'\n')
            PutRaw((byte)'\r');
        PutRaw(c);
    }

    private static void PutRaw(byte c)
    {
        if (kind == KindPl011)
            Pl011.Put(registers, c);
        else if (kind == Kind8250)
            Uart8250.Put(registers, fourByteRegisters, c);
        else if (kind == KindHypercall)
            Cpu.Hypercall(HypercallDebugConsolePutc, c);
    }

    public static void Print(string format) => PrintFormat.Format(format, null, 0, &Put);

    public static void Print(string format, ulong a) => PrintFormat.Format(format, a, &Put);

    public static void Print(string format, ulong a, ulong b) => PrintFormat.Format(format, a, b, &Put);

    public static void Print(string format, ulong a, ulong b, ulong c) => PrintFormat.Format(format, a, b, c, &Put);

    public static void Print(string format, ulong a, ulong b, ulong c, ulong d) => PrintFormat.Format(format, a, b, c, d, &Put);
}
