namespace Jailhouse.Hypervisor;

/// <summary>
/// The 8250/16550 debug UART of the system configuration, through port I/O (the usual COM1 at
/// 0x3f8) or MMIO (the driver's mapping in the header's debug_console_base, registers 1 or 4
/// bytes apart). Characters go out when the transmit holding register is empty.
/// </summary>
internal static unsafe class Uart
{
    private const int TransmitRegister = 0;
    private const int LineStatusRegister = 5;
    private const byte TransmitHoldingEmpty = 1 << 5;

    private static ushort port;
    private static byte* mmio;
    private static int registerDistance = 1;

    private const int LineControlRegister = 3;
    private const byte DivisorLatchAccess = 0x80;
    private const byte EightBitsNoParity = 0x03;

    /// <summary>Takes the UART at <paramref name="basePort"/> and programs 115200 baud, 8N1: a
    /// port Linux does not drive (e.g. COM2 while Linux has COM1) would otherwise cut bytes
    /// to the reset value's 5 bits.</summary>
    public static void AttachPort(ushort basePort)
    {
        port = basePort;
        Arch.OutByte((ushort)(port + LineControlRegister), DivisorLatchAccess);
        Arch.OutByte(port, 1);                // divisor 1: 115200 baud
        Arch.OutByte((ushort)(port + 1), 0);
        Arch.OutByte((ushort)(port + LineControlRegister), EightBitsNoParity);
    }

    public static void AttachMmio(ulong virtualBase, int distance)
    {
        mmio = (byte*)virtualBase;
        registerDistance = distance;
    }

    public static void Put(byte c)
    {
        if (mmio != null && registerDistance == 4)
        {
            while ((Mmio32.Read(mmio + LineStatusRegister * 4) & TransmitHoldingEmpty) == 0)
            {
            }
            Mmio32.Write(mmio + TransmitRegister * 4, c);
        }
        else if (mmio != null)
        {
            while ((Mmio8.Read(mmio + LineStatusRegister) & TransmitHoldingEmpty) == 0)
            {
            }
            Mmio8.Write(mmio + TransmitRegister, c);
        }
        else if (port != 0)
        {
            while ((Arch.InByte((ushort)(port + LineStatusRegister)) & TransmitHoldingEmpty) == 0)
            {
            }
            Arch.OutByte((ushort)(port + TransmitRegister), c);
        }
    }
}
