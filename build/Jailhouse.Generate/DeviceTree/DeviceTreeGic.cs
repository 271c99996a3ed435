using Jailhouse.Config;
using Jailhouse.DeviceTree;

namespace Jailhouse.Generate;

/// <summary>The GIC as a device tree describes it: version, register bases and the maintenance interrupt.</summary>
public sealed record DeviceTreeGic(FdtNode Node, int Version, ulong Gicd, ulong Gicc, ulong Gich, ulong Gicv, ulong Gicr, int MaintenanceIrq)
{
    /// <summary>Compatible strings of GICv2-class distributors (with virtualization extensions on the boards Jailhouse runs on).</summary>
    private static readonly string[] Version2 =
        ["arm,gic-400", "arm,cortex-a15-gic", "arm,cortex-a7-gic", "arm,cortex-a9-gic", "arm,pl390", "arm,arm11mp-gic", "arm,tc11mp-gic", "arm,arm1176jzf-devchip-gic", "qcom,msm-qgic2"];

    private static int? VersionOf(FdtNode node)
    {
        if (node.Property("interrupt-controller") is null)
            return null;
        string[] compatible = node.Property("compatible")?.AsStrings() ?? [];
        if (compatible.Contains("arm,gic-v3"))
            return 3;
        if (compatible.Any(c => Version2.Contains(c)))
            return 2;
        return null;
    }

    /// <summary>
    /// A GIC-400 wired with 64K-aligned frames shows its 8K CPU interface (and virtual CPU interface)
    /// as a 128K window in which each 4K page is repeated; the contiguous 8K start at offset 0xf000.
    /// </summary>
    private static ulong CpuInterface(AddressRange reg) => reg.Size == 0x20000 ? reg.Start + 0xf000 : reg.Start;

    /// <summary>The root's interrupt parent if it is a GIC, else the first enabled GIC node.</summary>
    public static DeviceTreeGic Find(Fdt fdt, string file)
    {
        var node = DeviceTreeInterrupts.InterruptParent(fdt, fdt.Root) is { } parent && VersionOf(parent) is not null
            ? parent
            : fdt.Root.Descendants().FirstOrDefault(n => VersionOf(n) is not null && DeviceTreeAddresses.IsEnabledWithAncestors(n));
        if (node is null)
            throw new InputException(new SourceLocation(file, 0, 0),
                "no GIC in the device tree: expected an interrupt-controller node compatible with \"arm,gic-v3\" or a GICv2 (\"arm,gic-400\", \"arm,cortex-a15-gic\", ...)");
        int version = VersionOf(node)!.Value;
        var reg = DeviceTreeAddresses.Reg(node);
        string where = $"{node.Path}";
        if (version == 2 && reg.Count < 4)
            throw new InputException(node.At(file),
                $"{where}: a GICv2 needs 4 reg entries (GICD, GICC, GICH, GICV) for Jailhouse, found {reg.Count}: no virtualization extensions described");
        if (version == 3 && reg.Count < 2)
            throw new InputException(node.At(file), $"{where}: a GICv3 needs reg entries for GICD and GICR, found {reg.Count}");

        // The maintenance interrupt is the GIC node's own interrupt: a PPI (ID = 16 + number).
        var own = node.Property("interrupts")?.AsCells() ?? [];
        if (own.Length < 2 || own[0] != 1 || own[1] >= 16)
            throw new InputException(node.At(file),
                $"{where}: expected the maintenance interrupt as a PPI in its interrupts property (e.g. <1 9 4>), found {(own.Length == 0 ? "none" : "<" + string.Join(' ', own) + ">")}");
        int maintenance = (int)own[1] + 16;
        if (version == 2)
        {
            ulong gicc = CpuInterface(reg[1]), gicv = CpuInterface(reg[3]);
            // Some trees give the CPU interface at its aliased offset but the virtual one at the frame
            // start (AMD Seattle): the two frames are wired alike, so the virtual one moves the same way.
            if ((gicc & 0xffff) == 0xf000 && (gicv & 0xffff) == 0)
                gicv += 0xf000;
            return new DeviceTreeGic(node, 2, reg[0].Start, gicc, reg[2].Start, gicv, 0, maintenance);
        }
        return new DeviceTreeGic(node, 3, reg[0].Start, 0, 0, 0, reg[1].Start, maintenance);
    }
}
