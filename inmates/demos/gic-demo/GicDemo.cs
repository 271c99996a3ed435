using System.Runtime;

namespace Jailhouse.Inmate;

/// <summary>
/// gic-demo: the virtual timer fires every 100 ms through the GIC (v2 or v3); each interrupt
/// measures its latency (counter at the handler minus the programmed deadline) and once a
/// second the minimum, average and maximum of the last ten are printed. A shutdown request
/// through the communication region is approved and ends the demo.
/// </summary>
internal static unsafe class GicDemo
{
    private const ulong PeriodMilliseconds = 100;
    private const uint TicksPerReport = 10;

    private static ulong period;
    private static uint ticks;
    private static ulong minimum;
    private static ulong maximum;
    private static ulong sum;
    private static ulong reports;

    [RuntimeExport("inmate_main")]
    public static void Main()
    {
        Console.Init();
        if (!Gic.Init())
            return;
        Console.Print("gic-demo: GICv%u, virtual timer every %u ms, counter %u Hz\n", Gic.Version, PeriodMilliseconds, Timer.Frequency);
        period = Timer.MillisecondsToTicks(PeriodMilliseconds);
        ResetStatistics();
        Inmate.OnInterrupt(&OnInterrupt);
        Gic.Enable(Timer.VirtualTimerIrq);
        Timer.FireAt(Timer.Now + period);
        Cpu.EnableInterrupts();

        while (!CommRegion.ShutdownRequested())
            Cpu.WaitForInterrupt();

        Cpu.DisableInterrupts();
        Timer.Stop();
        Console.Print("gic-demo: shutdown requested, approved after %u reports\n", reports);
        CommRegion.ApproveShutdown();
    }

    private static void ResetStatistics()
    {
        ticks = 0;
        minimum = ~0UL;
        maximum = 0;
        sum = 0;
    }

    private static void OnInterrupt(uint irq)
    {
        if (irq != Timer.VirtualTimerIrq)
        {
            Console.Print("gic-demo: unexpected interrupt %u\n", irq);
            return;
        }
        ulong deadline = Timer.Deadline;
        ulong latency = Timer.TicksToNanoseconds(Timer.Now - deadline);
        if (latency < minimum)
            minimum = latency;
        if (latency > maximum)
            maximum = latency;
        sum += latency;
        // The next deadline keeps the 100 ms grid unless we are already past it (then from now).
        ulong next = deadline + period;
        ulong now = Timer.Now;
        Timer.FireAt(next > now ? next : now + period);

        if (++ticks == TicksPerReport)
        {
            reports++;
            Console.Print("Timer: %u interrupts, latency min %u ns, avg %u ns, max %u ns\n", ticks, minimum, sum / ticks, maximum);
            ResetStatistics();
        }
    }
}
