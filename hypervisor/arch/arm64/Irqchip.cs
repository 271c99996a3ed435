using System.Runtime;

namespace Jailhouse.Hypervisor;

/// <summary>
/// Which interrupt virtualization runs on this system: <see cref="GicV3"/>, or <see cref="GicV2"/>
/// when the configuration names its GICH and GICV (without them a GICv2 system keeps interrupts
/// going straight to the root cell, HCR_EL2.IMO/FMO off).
/// </summary>
internal static unsafe class Irqchip
{
    private static uint version;

    public static void Setup(in SystemConfig config)
    {
        version = config.ArmGicVersion == 3 || (config.ArmGicVersion == 2 && GicV2.Virtualizable(config)) ? config.ArmGicVersion : 0u;
    }

    /// <summary>The HCR_EL2 bits that route physical interrupts to EL2 (none without virtualization).</summary>
    public static ulong HcrBits => version == 0 ? 0 : GicV3.HcrImo | GicV3.HcrFmo;

    public static void InitCpu(uint cpuId, PerCpu* cpu)
    {
        if (version == 3)
            GicV3.InitCpu(cpuId, cpu);
        else if (version == 2)
            GicV2.InitCpu(cpuId, cpu);
    }

    public static void ShutdownCpu(uint cpuId, PerCpu* cpu)
    {
        if (version == 3)
            GicV3.ShutdownCpu(cpuId, cpu);
        else if (version == 2)
            GicV2.ShutdownCpu(cpu);
    }

    public static void ResetCpu(uint cpuId, PerCpu* cpu)
    {
        if (version == 3)
            GicV3.ResetCpu(cpuId, cpu);
        else if (version == 2)
            GicV2.ResetCpu(cpu);
    }

    /// <summary>A physical interrupt arrived while a cell ran (vectors.S el1_irq); a CPU of a
    /// non-root cell that another CPU asked to park parks here (it was kicked, <see cref="Kick"/>).</summary>
    [RuntimeExport("arch_handle_irq")]
    public static void HandleIrq(TrapFrame* frame, PerCpu* cpu)
    {
        cpu->Stats[PerCpu.StatVmexitsTotal]++;
        if (version == 3)
            GicV3.HandleIrq(cpu);
        else if (version == 2)
            GicV2.HandleIrq(cpu);
        CellCpus.ParkIfRequested(frame, cpu);
    }

    /// <summary>Makes CPU <paramref name="target"/>, if it runs a cell, take an exception to EL2
    /// soon: the hypervisor's event SGI (GICv3 ICC_SGI1R_EL1, GICv2 GICD_SGIR); without interrupt
    /// virtualization (a GICv2 configuration without GICH/GICV) nothing happens and the CPU sees a
    /// request only at its next trap.</summary>
    public static void Kick(uint target)
    {
        if (version == 3)
            GicV3.Kick(target);
        else if (version == 2)
            GicV2.Kick(target);
    }
}
