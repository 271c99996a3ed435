using Jailhouse.Hypervisor;

namespace Jailhouse.Inmate;

/// <summary>Output on a memory-mapped 8250/16550 UART whose registers are 1 byte apart (byte
/// accesses) or 4 bytes apart (32-bit accesses), as the console's regdist flag says: wait for
/// an empty transmit holding register (line status bit 5), then write it.</summary>
internal static unsafe class Uart8250
{
    private const int TransmitHolding = 0;
    private const int LineStatus = 5;
    private const uint TransmitHoldingEmpty = 1 << 5;

    public static void Put(byte* registers, bool fourByteRegisters, byte c)
    {
        if (fourByteRegisters)
        {
            while ((Mmio32.Read(registers + LineStatus * 4) & TransmitHoldingEmpty) == 0)
            {
            }
            Mmio32.Write(registers + TransmitHolding * 4, c);
        }
        else
        {
            while ((Mmio8.Read(registers + LineStatus) & TransmitHoldingEmpty) == 0)
            {
            }
            Mmio8.Write(registers + TransmitHolding, c);
        }
    }
}
