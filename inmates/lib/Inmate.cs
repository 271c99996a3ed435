using System.Runtime;

namespace Jailhouse.Inmate;

/// <summary>
/// What the entry code calls besides the demo's inmate_main: the interrupt and fault handlers
/// of arch/arm64/vectors.S, and the end of an inmate that cannot go on.
/// </summary>
internal static unsafe class Inmate
{
    /// <summary>The demo's interrupt handler, called with the acknowledged interrupt number; 0 = none.</summary>
    private static delegate*<uint, void> interruptHandler;

    /// <summary>Routes the interrupts <see cref="Gic"/> acknowledges to <paramref name="handler"/>.</summary>
    public static void OnInterrupt(delegate*<uint, void> handler) => interruptHandler = handler;

    [RuntimeExport("inmate_irq")]
    public static void HandleIrq()
    {
        uint irq = Gic.Acknowledge();
        if (irq == Gic.Spurious)
            return;
        if (interruptHandler != null)
            interruptHandler(irq);
        else
            Console.Print("unexpected interrupt %u\n", irq);
        Gic.EndOfInterrupt(irq);
    }

    /// <summary>Any exception but an IRQ (vector number <paramref name="kind"/>): reported, then the CPU stops.</summary>
    [RuntimeExport("inmate_fault")]
    public static void HandleFault(ulong kind, ulong esr, ulong elr, ulong far)
    {
        Console.Print("FATAL: exception %u, ESR %x at %x, address %x\n", kind, esr, elr, far);
        Cpu.Stop();
    }

    /// <summary>A check that cannot be handled: say why, stop the CPU.</summary>
    public static void Fail(string reason)
    {
        Console.Print("FATAL: ");
        Console.Print(reason);
        Console.Print("\n");
        Cpu.Stop();
    }
}
