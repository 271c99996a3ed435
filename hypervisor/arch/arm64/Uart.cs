namespace Jailhouse.Hypervisor;

/// <summary>
/// The PL011 debug UART (the system configuration's debug console). Before the console is
/// known, nothing is printed; afterwards characters go to its data register once the transmit
/// FIFO has room.
/// </summary>
internal static unsafe class Uart
{
    private const int DataRegister = 0x00;
    private const int FlagRegister = 0x18;
    private const uint TransmitFifoFull = 1 << 5;

    /// <summary>Virtual address of the UART registers in the hypervisor's address space (0 = none).</summary>
    private static byte* registers;

    public static void Attach(ulong virtualBase) => registers = (byte*)virtualBase;

    public static void Put(byte c)
    {
        if (registers == null)
            return;
        while ((Mmio32.Read(registers + FlagRegister) & TransmitFifoFull) != 0)
        {
        }
        Mmio32.Write(registers + DataRegister, c);
    }
}
