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

    public static void Print(string format, ulong a) => PrintFormat.Format(format, a, &Put);

    public static void Print(string format, ulong a, ulong b) => PrintFormat.Format(format, a, b, &Put);

    public static void Print(string format, ulong a, ulong b, ulong c) => PrintFormat.Format(format, a, b, c, &Put);

    public static void Print(string format, ulong a, ulong b, ulong c, ulong d) => PrintFormat.Format(format, a, b, c, d, &Put);

    public static void Write(string text)
    {
        for (int i = 0; i < text.Length; i++)
            Put((byte)text[i]);
    }
}
