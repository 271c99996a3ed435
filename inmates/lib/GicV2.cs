using Jailhouse.Hypervisor;

namespace Jailhouse.Inmate;

/// <summary>
/// GICv2 for one CPU: the distributor on (if nobody did it yet) and the memory-mapped CPU
/// interface (in a cell, the hypervisor's virtual CPU interface at the same address, or the
/// physical one while GICv2 virtualization is off) with every priority let through and
/// EOImode 0 (EOIR drops the priority and deactivates). Interrupts 0-31 are banked per CPU in the distributor.
/// </summary>
internal static unsafe class GicV2
{
    private const int GicdCtlr = 0x000;
    private const int GicdIsenabler = 0x100;
    private const int GiccCtlr = 0x00;
    private const int GiccPmr = 0x04;
    private const int GiccIar = 0x0c;
    private const int GiccEoir = 0x10;
    private const uint Enable1 = 1;
    private const uint PriorityMaskAll = 0xf0;
    private const uint InterruptIdMask = 0x3ff;

    private static byte* distributor;
    private static byte* cpuInterface;

    public static void Init(ulong gicdBase, ulong giccBase)
    {
        distributor = (byte*)gicdBase;
        cpuInterface = (byte*)giccBase;
        uint control = Mmio32.Read(distributor + GicdCtlr);
        if ((control & Enable1) == 0)
            Mmio32.Write(distributor + GicdCtlr, control | Enable1);
        Mmio32.Write(cpuInterface + GiccPmr, PriorityMaskAll);
        // Written whole, as upstream's inmates do: a CPU interface Linux used before may have
        // EOImodeNS set, under which our EOIR write would only drop the priority and the
        // first interrupt would stay active for good.
        Mmio32.Write(cpuInterface + GiccCtlr, Enable1);
    }

    public static void Enable(uint irq) =>
        Mmio32.Write(distributor + GicdIsenabler + (int)(irq / 32 * 4), 1u << (int)(irq % 32));

    public static uint Acknowledge() => Mmio32.Read(cpuInterface + GiccIar) & InterruptIdMask;

    public static void EndOfInterrupt(uint irq) => Mmio32.Write(cpuInterface + GiccEoir, irq);
}
