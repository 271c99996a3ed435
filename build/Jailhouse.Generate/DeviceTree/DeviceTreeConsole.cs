using Jailhouse.Config.Model;
using Jailhouse.DeviceTree;

namespace Jailhouse.Generate;

/// <summary>
/// The hypervisor's debug console from /chosen stdout-path: which UART driver and how its registers
/// are spaced. The baud rate is left to the firmware (divider 0), as upstream's ARM configurations do.
/// </summary>
public static class DeviceTreeConsole
{
    /// <summary>The console, or null with the reason when the tree names none Jailhouse can drive.</summary>
    public static (ConsoleConfig? Console, FdtNode? Node, string Note) Find(Fdt fdt)
    {
        string? stdoutPath = fdt.Find("/chosen")?.Property("stdout-path")?.AsString()
            ?? fdt.Find("/chosen")?.Property("linux,stdout-path")?.AsString();
        if (stdoutPath is null)
            return (null, null, "no debug console: /chosen has no stdout-path");
        var node = fdt.Resolve(stdoutPath);
        if (node is null)
            return (null, null, $"no debug console: stdout-path \"{stdoutPath}\" names no node");
        var reg = DeviceTreeAddresses.Reg(node);
        if (reg.Count == 0)
            return (null, node, $"no debug console: {node.Path} has no memory-mapped registers");
        string[] compatible = node.Property("compatible")?.AsStrings() ?? [];
        var type = TypeOf(compatible);
        if (type is null)
            return (null, node, $"no debug console: {node.Path} ({string.Join(", ", compatible)}) is no UART type Jailhouse drives");

        // Jailhouse's drivers access every MMIO UART but the 8250 with 32-bit words 4 bytes apart (regdist-4,
        // as all upstream ARM configurations say); an 8250 is word-spaced when the tree or its binding says so.
        var flags = ConsoleFlags.Mmio | ConsoleFlags.RegDist4;
        if (type == ConsoleType.Uart8250)
        {
            uint shift = node.Property("reg-shift")?.AsU32() ?? 0;
            uint width = node.Property("reg-io-width")?.AsU32() ?? 1;
            if (shift != 2 && width != 4 && !compatible.Any(c => WordSpaced8250.Contains(c)))
                flags &= ~ConsoleFlags.RegDist4;
            if (compatible.Contains("ti,am654-uart"))
                flags |= ConsoleFlags.MdrQuirk;
        }
        var console = new ConsoleConfig
        {
            Type = type.Value,
            Address = reg[0].Start,
            Size = (uint)AddressRange.PageSize,
            Flags = flags,
        };
        return (console, node, $"debug console: {node.Path} ({compatible[0]}) at 0x{console.Address:x}");
    }

    /// <summary>8250s whose bindings fix 4-byte register spacing without a reg-shift property.</summary>
    private static readonly string[] WordSpaced8250 = ["ti,am654-uart", "brcm,bcm2835-aux-uart"];

    private static ConsoleType? TypeOf(string[] compatible)
    {
        foreach (string c in compatible)
        {
            if (c is "arm,pl011" or "arm,sbsa-uart")
                return ConsoleType.Pl011;
            if (c is "snps,dw-apb-uart" or "ns16550a" or "ns16550" or "ns16450" or "ns8250" or "ti,am654-uart" or "brcm,bcm2835-aux-uart"
                || c.EndsWith("-16550", StringComparison.Ordinal) || c.EndsWith(",16550", StringComparison.Ordinal))
                return ConsoleType.Uart8250;
            if (c is "xlnx,xuartps" or "cdns,uart-r1p8" or "cdns,uart-r1p12")
                return ConsoleType.XuartPs;
            if (c is "marvell,armada-3700-uart")
                return ConsoleType.Mvebu;
            if (c.StartsWith("renesas,", StringComparison.Ordinal) && c.Contains("hscif", StringComparison.Ordinal))
                return ConsoleType.Hscif;
            if (c.StartsWith("renesas,", StringComparison.Ordinal) && c.Contains("scifa", StringComparison.Ordinal))
                return ConsoleType.Scifa;
            if (c.StartsWith("renesas,", StringComparison.Ordinal) && c.Contains("scif", StringComparison.Ordinal))
                return ConsoleType.Scif;
            if (c.StartsWith("fsl,", StringComparison.Ordinal) && c.EndsWith("-lpuart", StringComparison.Ordinal))
                return ConsoleType.ImxLpuart;
            if (c.StartsWith("fsl,", StringComparison.Ordinal) && c.EndsWith("-uart", StringComparison.Ordinal))
                return ConsoleType.Imx;
        }
        return null;
    }
}
