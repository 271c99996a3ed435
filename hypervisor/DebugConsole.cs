namespace Jailhouse.Hypervisor;

/// <summary>
/// The hypervisor's text output (upstream's printk) on the architecture's debug UART and the
/// console page: <see cref="Print(string)"/> with a format (<see cref="PrintFormat"/>), or
/// strings, hexadecimal and decimal numbers one by one. Single characters go through
/// <see cref="Uart.Put"/>.
/// </summary>
internal static unsafe class DebugConsole
{
    private static SpinLock lineLock;

    /// <summary>Keeps CPU <paramref name="cpuId"/>'s line together: other CPUs wait in <see cref="BeginLine"/>.</summary>
    public static void BeginLine(uint cpuId) => lineLock.Acquire(cpuId);

    public static void EndLine() => lineLock.Release();

    /// <summary>A CPU stopped by a fault gives the console back if it was printing.</summary>
    public static void ReleaseIfHeldBy(uint cpuId) => lineLock.ReleaseIfHeldBy(cpuId);

    public static void Put(byte c)
    {
        VirtualConsole.Put(c);
        if (c == (byte)'\n')
            Uart.Put((byte)'\r');
        Uart.Put(c);
    }

    /// <summary>Formatted output, see <see cref="PrintFormat"/>: %d %u %x %0Nx %s %%.</summary>
    public static void Print(string format) => PrintFormat.Format(format, null, 0, &Put);

    public static void Print(string format, ulong a)
    {
        ulong* arguments = stackalloc ulong[1];
        arguments[0] = a;
        PrintFormat.Format(format, arguments, 1, &Put);
    }

    public static void Print(string format, ulong a, ulong b)
    {
        ulong* arguments = stackalloc ulong[2];
        arguments[0] = a;
        arguments[1] = b;
        PrintFormat.Format(format, arguments, 2, &Put);
    }

    public static void Print(string format, ulong a, ulong b, ulong c)
    {
        ulong* arguments = stackalloc ulong[3];
        arguments[0] = a;
        arguments[1] = b;
        arguments[2] = c;
        PrintFormat.Format(format, arguments, 3, &Put);
    }

    public static void Print(string format, ulong a, ulong b, ulong c, ulong d)
    {
        ulong* arguments = stackalloc ulong[4];
        arguments[0] = a;
        arguments[1] = b;
        arguments[2] = c;
        arguments[3] = d;
        PrintFormat.Format(format, arguments, 4, &Put);
    }

    public static void Write(string text)
    {
        for (int i = 0; i < text.Length; i++)
            Put((byte)text[i]);
    }
}
