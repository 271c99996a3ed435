using System.Globalization;
using System.Text;
using Jailhouse.Config;

namespace Jailhouse.Boot;

/// <summary>
/// The hypervisor's build parameters for a board -- what upstream Jailhouse keeps in a hand-written
/// config.h on ARM: GIC version and bases, debug UART type and address, hypervisor base -- derived
/// from board.yaml and the reservation plan, as a C header or C# constants.
/// </summary>
public static class BoardParameters
{
    public static List<(string Name, string Value, string Comment)> Collect(BoardDescription board, ReservationPlan plan)
    {
        var values = new List<(string, string, string)>
        {
            ("BOARD_NAME", $"\"{board.Name}\"", "board folder under bsp/"),
            ("HYPERVISOR_BASE", Hex(plan.HypervisorBase), "physical load address of the hypervisor image"),
            ("HYPERVISOR_SIZE", Hex(plan.HypervisorSize), "bytes of hypervisor memory"),
        };
        if (board.Uart is { } uart)
        {
            values.Add(("UART_TYPE", $"\"{uart.Type}\"", "debug console driver"));
            values.Add(("UART_BASE", Hex(uart.Address), "debug console registers"));
        }
        if (board.Gic is { } gic)
        {
            values.Add(("GIC_VERSION", gic.Version.ToString(CultureInfo.InvariantCulture), "interrupt controller generation"));
            values.Add(("GICD_BASE", Hex(gic.GicdBase), "distributor"));
            if (gic.Version >= 3)
                values.Add(("GICR_BASE", Hex(gic.GicrBase), "redistributors"));
            else
            {
                values.Add(("GICC_BASE", Hex(gic.GiccBase), "CPU interface"));
                values.Add(("GICH_BASE", Hex(gic.GichBase), "virtual interface control"));
                values.Add(("GICV_BASE", Hex(gic.GicvBase), "virtual CPU interface"));
            }
            values.Add(("GIC_MAINTENANCE_IRQ", gic.MaintenanceIrq.ToString(CultureInfo.InvariantCulture), "maintenance interrupt (PPI 9 = 25)"));
        }
        else if (board.DebianArch == "arm64")
        {
            throw new ConfigException(board.Origin, $"board {board.Name}: an arm64 hypervisor needs the \"gic\" section");
        }
        return values;
    }

    private static string Hex(ulong value) => $"0x{value:x}";

    public static string CHeader(BoardDescription board, ReservationPlan plan)
    {
        var text = new StringBuilder();
        text.Append($"/* Hypervisor build parameters of {board.Name}, generated from bsp/{board.Name}/board.yaml. */\n");
        text.Append("#ifndef JAILHOUSE_BOARD_PARAMS_H\n#define JAILHOUSE_BOARD_PARAMS_H\n\n");
        foreach (var (name, value, comment) in Collect(board, plan))
            text.Append($"#define CONFIG_{name} {value} /* {comment} */\n");
        text.Append("\n#endif\n");
        return text.ToString();
    }

    public static string CSharp(BoardDescription board, ReservationPlan plan)
    {
        var text = new StringBuilder();
        text.Append($"// Hypervisor build parameters of {board.Name}, generated from bsp/{board.Name}/board.yaml.\n");
        text.Append("namespace Jailhouse.Hypervisor;\n\ninternal static class BoardParameters\n{\n");
        foreach (var (name, value, comment) in Collect(board, plan))
        {
            string type = value.StartsWith('"') ? "string" : value.StartsWith("0x", StringComparison.Ordinal) ? "ulong" : "int";
            string identifier = string.Concat(name.Split('_').Select(p => p[0] + p[1..].ToLowerInvariant()));
            text.Append($"    /// <summary>{comment}</summary>\n    public const {type} {identifier} = {value};\n");
        }
        text.Append("}\n");
        return text.ToString();
    }
}
