namespace Jailhouse.Hypervisor;

/// <summary>
/// The hypervisor's formatted output without allocation (the console's <see cref="DebugConsole.Print(string)"/>),
/// printk's subset: %d (signed decimal), %u (unsigned decimal), %x (hexadecimal without prefix;
/// a width zero-pads, %016x), %s (the NUL-terminated bytes at the argument's address, at most
/// <see cref="MaxStringLength"/>: a cell name), %% (a percent sign). Arguments are 64-bit values
/// in order, passed by fixed-arity overloads (a params array would allocate); a conversion
/// without an argument left prints nothing. Characters go to a sink, so the host tests see
/// exactly what the console gets.
/// </summary>
internal static unsafe class PrintFormat
{
    /// <summary>%s prints at most this many bytes (a cell name's field).</summary>
    public const int MaxStringLength = 32;

    /// <summary>The fixed-arity forms behind every console's Print (the hypervisor's and the inmates').</summary>
    public static void Format(string format, ulong a, delegate*<byte, void> put) => Format(format, &a, 1, put);

    public static void Format(string format, ulong a, ulong b, delegate*<byte, void> put)
    {
        ulong* arguments = stackalloc ulong[2];
        arguments[0] = a;
        arguments[1] = b;
        Format(format, arguments, 2, put);
    }

    public static void Format(string format, ulong a, ulong b, ulong c, delegate*<byte, void> put)
    {
        ulong* arguments = stackalloc ulong[3];
        arguments[0] = a;
        arguments[1] = b;
        arguments[2] = c;
        Format(format, arguments, 3, put);
    }

    public static void Format(string format, ulong a, ulong b, ulong c, ulong d, delegate*<byte, void> put)
    {
        ulong* arguments = stackalloc ulong[4];
        arguments[0] = a;
        arguments[1] = b;
        arguments[2] = c;
        arguments[3] = d;
        Format(format, arguments, 4, put);
    }

    public static void Format(string format, ulong* arguments, int count, delegate*<byte, void> put)
    {
        int next = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%' || i + 1 >= format.Length)
            {
                put((byte)c);
                continue;
            }
            c = format[++i];
            if (c == '%')
            {
                put((byte)'%');
                continue;
            }
            int width = 0;
            while (c >= '0' && c <= '9' && i + 1 < format.Length)
            {
                width = width * 10 + (c - '0');
                c = format[++i];
            }
            if (next >= count)
                continue;
            ulong value = arguments[next++];
            switch (c)
            {
                case 'd':
                    if ((long)value < 0)
                    {
                        put((byte)'-');
                        value = 0 - value;  // two's complement magnitude, long.MinValue included
                    }
                    Unsigned(value, put);
                    break;
                case 'u':
                    Unsigned(value, put);
                    break;
                case 'x':
                    Hex(value, width, put);
                    break;
                case 's':
                    var text = (byte*)value;
                    for (int n = 0; text != null && n < MaxStringLength && text[n] != 0; n++)
                        put(text[n]);
                    break;
            }
        }
    }

    private static void Unsigned(ulong value, delegate*<byte, void> put)
    {
        byte* digits = stackalloc byte[20];
        int count = 0;
        do
        {
            digits[count++] = (byte)('0' + (int)(value % 10));
            value /= 10;
        } while (value != 0);
        while (count > 0)
            put(digits[--count]);
    }

    /// <summary>At least <paramref name="width"/> digits (at most 16), more if the value needs them.</summary>
    private static void Hex(ulong value, int width, delegate*<byte, void> put)
    {
        int digits = 1;
        while (digits < 16 && (value >> (digits * 4)) != 0)
            digits++;
        if (width > digits)
            digits = width > 16 ? 16 : width;
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
        {
            uint digit = (uint)(value >> shift) & 0xf;
            put((byte)(digit < 10 ? '0' + digit : 'a' + digit - 10));
        }
    }
}
