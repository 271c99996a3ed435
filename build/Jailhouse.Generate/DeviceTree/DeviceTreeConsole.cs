using Jailhouse.Config.Model;
using Jailhouse.DeviceTree;

namespace Jailhouse.Generate;

/// <summary>The hypervisor's debug console from /chosen stdout-path: which UART driver and how its registers are spaced.</summary>
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

        var flags = ConsoleFlags.Mmio;
        uint divider = 0;
        if (type == ConsoleType.Uart8250)
        {
            // 8250s come with bytes or words between registers: reg-shift 2 (or 32-bit reg-io-width) is Jailhouse's regdist-4.
            uint shift = node.Property("reg-shift")?.AsU32() ?? 0;
            uint width = node.Property("reg-io-width")?.AsU32() ?? 1;
            if (shift == 2 || (shift == 0 && width == 4))
                flags |= ConsoleFlags.RegDist4;
            divider = Divider(node, stdoutPath);
        }
        else if (type == ConsoleType.Pl011)
        {
            flags |= ConsoleFlags.RegDist4;
        }
        var console = new ConsoleConfig
        {
            Type = type.Value,
            Address = reg[0].Start,
            Size = (uint)AddressRange.PageSize,
            Flags = flags,
            Divider = divider,
        };
        return (console, node, $"debug console: {node.Path} ({compatible[0]}) at 0x{console.Address:x}");
    }

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

    /// <summary>8250 divisor latch for the stdout-path baud rate (clock / 16 / baud); 0 keeps the firmware's setting.</summary>
    private static uint Divider(FdtNode node, string stdoutPath)
    {
        int colon = stdoutPath.IndexOf(':', StringComparison.Ordinal);
        uint clock = node.Property("clock-frequency") is { Value.Length: 4 } c ? c.AsU32() : 0;
        if (colon < 0 || clock == 0)
            return 0;
        string options = stdoutPath[(colon + 1)..];
        string digits = new(options.TakeWhile(char.IsAsciiDigit).ToArray());
        return uint.TryParse(digits, out uint baud) && baud > 0 ? (uint)Math.Round(clock / (16.0 * baud)) : 0;
    }
}
