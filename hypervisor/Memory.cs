using System.Runtime;

namespace Jailhouse.Hypervisor;

/// <summary>
/// Byte copying and filling, also exported as memmove/memset/memcpy: ILCompiler's code calls
/// them for struct copies and zeroing, and there is no C library underneath.
/// </summary>
internal static unsafe class Memory
{
    [RuntimeExport("memmove")]
    public static void* Move(void* destination, void* source, nuint count)
    {
        byte* d = (byte*)destination;
        byte* s = (byte*)source;
        if (d < s)
        {
            for (nuint i = 0; i < count; i++)
                d[i] = s[i];
        }
        else
        {
            for (nuint i = count; i > 0; i--)
                d[i - 1] = s[i - 1];
        }
        return destination;
    }

    [RuntimeExport("memcpy")]
    public static void* Copy(void* destination, void* source, nuint count) => Move(destination, source, count);

    [RuntimeExport("memset")]
    public static void* Set(void* destination, int value, nuint count)
    {
        byte* d = (byte*)destination;
        for (nuint i = 0; i < count; i++)
            d[i] = (byte)value;
        return destination;
    }
}
