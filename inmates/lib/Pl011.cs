using Jailhouse.Hypervisor;

namespace Jailhouse.Inmate;

/// <summary>Output on an ARM PL011 UART (QEMU virt at 0x09000000, HiKey's UART3): wait while the
/// transmit FIFO is full, then write the data register. The firmware or Linux set the baud rate.</summary>
internal static unsafe class Pl011
{
    private const int DataRegister = 0x00;
    private const int FlagRegister = 0x18;
    private const uint TransmitFifoFull = 1 << 5;

    public static void Put(byte* registers, byte c)
    {
        while ((Mmio32.Read(registers + FlagRegister) & TransmitFifoFull) != 0)
        {
        }
        Mmio32.Write(registers + DataRegister, c);
    }
}
