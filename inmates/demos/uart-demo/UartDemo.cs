using System.Runtime;

namespace Jailhouse.Inmate;

/// <summary>
/// uart-demo: prints a greeting, then a counter every half second on the cell's console, until
/// the hypervisor asks the cell to shut down through the communication region; then it
/// approves and stops.
/// </summary>
internal static class UartDemo
{
    private const ulong IntervalMilliseconds = 500;

    [RuntimeExport("inmate_main")]
    public static void Main()
    {
        Console.Init();
        Console.Print("uart-demo: C# inmate, counter every %u ms\n", IntervalMilliseconds);
        ulong interval = Timer.MillisecondsToTicks(IntervalMilliseconds);
        ulong next = Timer.Now;
        for (ulong count = 1; ; count++)
        {
            Console.Print("Hello %u from cell!\n", count);
            next += interval;
            while (Timer.Now < next)
            {
                if (CommRegion.ShutdownRequested())
                {
                    Console.Print("uart-demo: shutdown requested, approved after %u lines\n", count);
                    CommRegion.ApproveShutdown();
                    return;
                }
            }
        }
    }
}
