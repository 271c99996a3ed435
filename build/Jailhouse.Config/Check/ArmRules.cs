using Jailhouse.Config.Model;

namespace Jailhouse.Config.Check;

/// <summary>ARM: the GIC's distributor, CPU and hypervisor interfaces (v2) or redistributors (v3) belong to the hypervisor.</summary>
internal static class ArmRules
{
    /// <summary>Each GICv3 redistributor is two 64 KiB frames (RD_base and SGI_base), one per CPU.</summary>
    public const ulong GicrStride = 0x20000;

    public static void Run(CheckContext context)
    {
        if (context.Architecture == Architecture.X86 || context.System?.Platform.Arm is not { } arm || context.Root is not { } root)
            return;
        if (arm.GicVersion is not (2 or 3))
        {
            context.Error("gic-version", root, "system.platform.arm.gic-version", root.Cell.Origin,
                $"GIC version {arm.GicVersion}: Jailhouse supports GICv2 and GICv3", "set gic-version to 2 or 3");
            return;
        }
        foreach (var (name, start, size) in GicFrames(arm, root.Cell))
            PlatformRules.Intercepted(context, "gic-overlap", $"the {name}", start, size,
                $"leave the {name} unmapped (the hypervisor emulates or owns it): split the region around it");
    }

    /// <summary>
    /// The GIC frames the hypervisor owns, with their sizes (none for an unknown GIC version):
    /// v2 distributor, CPU, hypervisor and virtual CPU interfaces; v3 distributor and one
    /// redistributor per CPU the system has (the root cell starts with all of them). Frames at
    /// base 0 are not configured and left out.
    /// </summary>
    internal static List<(string Name, ulong Base, ulong Size)> GicFrames(ArmPlatform arm, CellConfig root)
    {
        var frames = new List<(string Name, ulong Base, ulong Size)>();
        switch (arm.GicVersion)
        {
            case 2:
                frames.Add(("GICD", arm.GicdBase, 0x1000));
                frames.Add(("GICC", arm.GiccBase, 0x2000));
                frames.Add(("GICH", arm.GichBase, 0x2000));
                frames.Add(("GICV", arm.GicvBase, 0x2000));
                break;
            case 3:
                frames.Add(("GICD", arm.GicdBase, 0x10000));
                int cpus = root.Cpus.Count == 0 ? 1 : root.Cpus.Max + 1;
                frames.Add(("GICR", arm.GicrBase, GicrStride * (ulong)cpus));
                break;
        }
        return frames.Where(f => f.Base != 0).ToList();
    }
}
