using Jailhouse.Hypervisor;

namespace Jailhouse.Inmate;

/// <summary>
/// The interrupt controller of the cell, GICv2 or GICv3, with its register bases from the
/// communication region (the hypervisor copies them from the system configuration). Without a
/// communication region (bare metal) QEMU virt's addresses, the generation read from the
/// distributor's GICD_PIDR2.
/// </summary>
internal static unsafe class Gic
{
    /// <summary>What the acknowledge register returns when nothing is pending (both generations).</summary>
    public const uint Spurious = 1023;

    public const ulong QemuVirtGicd = 0x08000000;
    public const ulong QemuVirtGicc = 0x08010000;
    public const ulong QemuVirtGicr = 0x080a0000;
    // GICD_PIDR2, whose bits 7:4 are the architecture revision: in GICv2's 4 KiB distributor
    // frame and in GICv3's 64 KiB one (where GICv2's offset is reserved, reads as zero).
    private const int GicV2Pidr2 = 0xfe8;
    private const int GicV3Pidr2 = 0xffe8;

    private static uint version;

    public static uint Version => version;

    /// <summary>Sets up this CPU's view of the GIC; false (and a message) if that is impossible.</summary>
    public static bool Init()
    {
        ulong gicd = QemuVirtGicd, gicc = QemuVirtGicc, gicr = QemuVirtGicr;
        if (CommRegion.IsPresent)
        {
            version = CommRegion.GicVersion;
            gicd = CommRegion.GicdBase;
            gicc = CommRegion.GiccBase;
            gicr = CommRegion.GicrBase;
        }
        else
        {
            version = Mmio32.Read((byte*)gicd + GicV2Pidr2) >> 4 & 0xf;
            if (version != 2)
                version = Mmio32.Read((byte*)gicd + GicV3Pidr2) >> 4 & 0xf;
        }

        if (version == 2)
        {
            GicV2.Init(gicd, gicc);
            return true;
        }
        if (version == 3)
        {
            if (GicV3.Init(gicd, gicr))
                return true;
            Console.Print("GICv3: no redistributor for MPIDR %x\n", Cpu.ReadMpidr());
            return false;
        }
        Console.Print("unsupported GIC version %u\n", version);
        return false;
    }

    public static void Enable(uint irq)
    {
        if (version == 2)
            GicV2.Enable(irq);
        else
            GicV3.Enable(irq);
    }

    public static uint Acknowledge() => version == 2 ? GicV2.Acknowledge() : GicV3.Acknowledge();

    public static void EndOfInterrupt(uint irq)
    {
        if (version == 2)
            GicV2.EndOfInterrupt(irq);
        else
            GicV3.EndOfInterrupt(irq);
    }
}
