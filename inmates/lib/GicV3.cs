using Jailhouse.Hypervisor;

namespace Jailhouse.Inmate;

/// <summary>
/// GICv3 for one CPU: the distributor (group 1 and affinity routing on, if nobody did it yet),
/// this CPU's redistributor (found by walking the frames for the one whose GICR_TYPER affinity
/// is our MPIDR's), awake, and the CPU interface through the ICC system registers. PPIs and
/// SGIs are enabled in the redistributor, SPIs in the distributor.
/// </summary>
internal static unsafe class GicV3
{
    private const int GicdCtlr = 0x0000;
    private const int GicdIsenabler = 0x0100;
    private const uint GicdCtlrEnableGroup1 = 1 << 1;
    private const uint GicdCtlrAffinityRouting = 1 << 4;

    private const int GicrWaker = 0x0014;
    private const int GicrTyper = 0x0008;
    private const uint GicrWakerProcessorSleep = 1 << 1;
    private const uint GicrWakerChildrenAsleep = 1 << 2;
    private const ulong GicrTyperLast = 1 << 4;
    private const ulong GicrTyperVirtualLpis = 1 << 1;
    private const int GicrFrameSize = 0x20000;
    private const int GicrSgiFrame = 0x10000;
    private const int GicrIgroupr0 = GicrSgiFrame + 0x0080;
    private const int GicrIsenabler0 = GicrSgiFrame + 0x0100;

    private const ulong IccSreEnable = 1;
    private const ulong PriorityMaskAll = 0xf0;
    private const uint InterruptIdMask = 0xffffff;

    private static byte* distributor;
    private static byte* redistributor;

    /// <summary>Returns false when no redistributor frame has this CPU's affinity.</summary>
    public static bool Init(ulong gicdBase, ulong gicrBase)
    {
        distributor = (byte*)gicdBase;
        redistributor = FindRedistributor((byte*)gicrBase, Cpu.ReadMpidr());
        if (redistributor == null)
            return false;

        uint control = Mmio32.Read(distributor + GicdCtlr);
        uint wanted = GicdCtlrEnableGroup1 | GicdCtlrAffinityRouting;
        if ((control & wanted) != wanted)
            Mmio32.Write(distributor + GicdCtlr, control | wanted);

        uint waker = Mmio32.Read(redistributor + GicrWaker);
        if ((waker & GicrWakerProcessorSleep) != 0)
        {
            Mmio32.Write(redistributor + GicrWaker, waker & ~GicrWakerProcessorSleep);
            while ((Mmio32.Read(redistributor + GicrWaker) & GicrWakerChildrenAsleep) != 0)
            {
            }
        }

        Cpu.WriteIccSre(IccSreEnable);
        Cpu.WriteIccPmr(PriorityMaskAll);
        Cpu.WriteIccIgrpen1(1);
        return true;
    }

    /// <summary>The redistributor whose GICR_TYPER[63:32] (Aff3.Aff2.Aff1.Aff0) is the MPIDR's affinity.</summary>
    private static byte* FindRedistributor(byte* frame, ulong mpidr)
    {
        ulong affinity = (mpidr & 0xffffff) | ((mpidr >> 32 & 0xff) << 24);
        for (int i = 0; i < 512; i++)
        {
            ulong typer = Mmio64.Read(frame + GicrTyper);
            if (typer >> 32 == affinity)
                return frame;
            if ((typer & GicrTyperLast) != 0)
                return null;
            // GICv4 redistributors with virtual LPIs have two more 64 KiB frames.
            frame += (typer & GicrTyperVirtualLpis) != 0 ? 2 * GicrFrameSize : GicrFrameSize;
        }
        return null;
    }

    public static void Enable(uint irq)
    {
        if (irq < 32)
        {
            Mmio32.Write(redistributor + GicrIgroupr0, Mmio32.Read(redistributor + GicrIgroupr0) | 1u << (int)irq);
            Mmio32.Write(redistributor + GicrIsenabler0, 1u << (int)irq);
        }
        else
        {
            Mmio32.Write(distributor + GicdIsenabler + (int)(irq / 32 * 4), 1u << (int)(irq % 32));
        }
    }

    public static uint Acknowledge() => (uint)Cpu.ReadIccIar1() & InterruptIdMask;

    public static void EndOfInterrupt(uint irq) => Cpu.WriteIccEoir1(irq);
}
