namespace Jailhouse.Inmate;

/// <summary>
/// The virtual timer (CNTV) of the CPU: a one-shot deadline in counter ticks, its interrupt PPI
/// 27, and conversions between ticks and nanoseconds at the counter frequency (CNTFRQ_EL0).
/// </summary>
internal static class Timer
{
    /// <summary>The virtual timer's interrupt (PPI 11 = interrupt 27).</summary>
    public const uint VirtualTimerIrq = 27;

    private const ulong ControlEnable = 1;

    public static ulong Frequency => Cpu.ReadCounterFrequency();

    public static ulong Now => Cpu.ReadVirtualCount();

    /// <summary>Arms the timer to fire at absolute count <paramref name="deadline"/>.</summary>
    public static void FireAt(ulong deadline)
    {
        Cpu.WriteVirtualTimerCompare(deadline);
        Cpu.WriteVirtualTimerControl(ControlEnable);
    }

    public static ulong Deadline => Cpu.ReadVirtualTimerCompare();

    public static void Stop() => Cpu.WriteVirtualTimerControl(0);

    /// <summary>Whole seconds and the remainder apart, so that no product overflows.</summary>
    public static ulong TicksToNanoseconds(ulong ticks)
    {
        ulong frequency = Frequency;
        return ticks / frequency * 1000000000 + ticks % frequency * 1000000000 / frequency;
    }

    public static ulong MillisecondsToTicks(ulong milliseconds) => milliseconds * Frequency / 1000;
}
