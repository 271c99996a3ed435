using Jailhouse.Config.Model;

namespace Jailhouse.Config.Check;

/// <summary>
/// Limits of this project's hypervisor (hypervisor/) that upstream's does not have; checked when
/// <see cref="CheckOptions.OwnHypervisor"/> is set (the CLI's default). On arm64 it programs no
/// IOMMU/SMMU yet, so DMA of every cell's devices reaches all memory (hypervisor/README.md,
/// "DMA"); and its bootstrap page tables map hypervisor memory in 2 MiB blocks of one table.
/// </summary>
public static class OwnHypervisorRules
{
    /// <summary>arm64 bootstrap: one L2 table, the first entry taken by the debug UART.</summary>
    public const ulong Arm64MaxHypervisorMemory = 511UL << 21;

    internal static void Run(CheckContext context)
    {
        if (!context.Options.OwnHypervisor || context.Architecture == Architecture.X86
            || context.System is not { } system || context.Root is not { } root)
            return;
        var hv = system.HypervisorMemory;
        if (hv.Size > Arm64MaxHypervisorMemory)
            context.Error("hypervisor-size", root, "system.hypervisor-memory", hv.Origin,
                $"hypervisor memory of 0x{hv.Size:x} bytes: the arm64 hypervisor maps at most 0x{Arm64MaxHypervisorMemory:x} (511 x 2 MiB) at entry",
                "make the hypervisor memory smaller (a few MiB are plenty)");
        var units = system.Platform.IommuUnits;
        for (int i = 0; i < units.Count; i++)
            if (units[i].Size > 0 || units[i].Type != IommuType.None)
                context.Warning("iommu-not-driven", root, $"system.platform.iommu-units[{i}]", units[i].Origin,
                    $"the hypervisor does not program this {units[i].Type} unit: DMA-capable devices of every cell can reach all memory, the hypervisor's included",
                    "assign DMA-capable devices only to the root cell and trust its drivers, or wait for SMMU support (hypervisor/README.md, DMA)");
    }
}
