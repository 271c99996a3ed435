namespace Jailhouse.Hypervisor;

/// <summary>
/// Device register access: a volatile field makes the compiler emit every read and write in
/// program order and never cache or merge them, which is what MMIO needs.
/// </summary>
internal unsafe struct Mmio32
{
    private volatile uint value;

    public static uint Read(byte* address) => ((Mmio32*)address)->value;
    public static void Write(byte* address, uint newValue) => ((Mmio32*)address)->value = newValue;
}

/// <summary>Byte-wide device registers (e.g. an 8250 with registers one byte apart).</summary>
internal unsafe struct Mmio8
{
    private volatile byte value;

    public static byte Read(byte* address) => ((Mmio8*)address)->value;
    public static void Write(byte* address, byte newValue) => ((Mmio8*)address)->value = newValue;
}
