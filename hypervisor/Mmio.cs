using System.Runtime.CompilerServices;

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

internal unsafe struct Mmio16
{
    private volatile ushort value;

    public static ushort Read(byte* address) => ((Mmio16*)address)->value;
    public static void Write(byte* address, ushort newValue) => ((Mmio16*)address)->value = newValue;
}

/// <summary>
/// 64-bit device registers. C# has no volatile ulong, so the access is a plain load or store in
/// a function that is never inlined: the compiler can neither drop it nor move other memory
/// accesses across the call.
/// </summary>
internal static unsafe class Mmio64
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Read(byte* address) => *(ulong*)address;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Write(byte* address, ulong newValue) => *(ulong*)address = newValue;
}

/// <summary>A device register of a width known only at run time (1, 2, 4 or 8 bytes), as a trapped access gives it.</summary>
internal static unsafe class MmioSized
{
    public static ulong Read(byte* register, uint size) =>
        size == 1 ? Mmio8.Read(register) : size == 2 ? Mmio16.Read(register) : size == 4 ? Mmio32.Read(register) : Mmio64.Read(register);

    public static void Write(byte* register, uint size, ulong value)
    {
        if (size == 1)
            Mmio8.Write(register, (byte)value);
        else if (size == 2)
            Mmio16.Write(register, (ushort)value);
        else if (size == 4)
            Mmio32.Write(register, (uint)value);
        else
            Mmio64.Write(register, value);
    }
}
