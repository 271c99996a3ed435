using System.Globalization;
using Jailhouse.Config;
using Jailhouse.DeviceTree;

namespace Jailhouse.Boot;

/// <summary>
/// The device tree a board boots with, edited for Jailhouse: the reservation as a
/// /reserved-memory no-map node (reserved-memory boards), the kernel command line in
/// /chosen bootargs (for boot loaders that take it from there) and /chosen stdout-path
/// pointing at the debug UART, so early console and the hypervisor share one port.
/// </summary>
public static class BootDeviceTree
{
    /// <summary>Applies the board's edits to <paramref name="fdt"/>.</summary>
    public static void Edit(Fdt fdt, BoardDescription board, ReservationPlan? plan, IReadOnlyList<string> kernelArguments)
    {
        if (plan is { Method: ReservationMethod.ReservedMemory })
            FdtEdits.Reserve(fdt, plan.Start, plan.Size);
        FdtEdits.SetBootargs(fdt, string.Join(' ', kernelArguments));
        if (board.Uart is { } uart)
        {
            var node = NodeAt(fdt, uart.Address)
                ?? throw new InputException(board.Origin, $"the device tree has no node for the UART at 0x{uart.Address:x} (expected a node named <name>@{uart.Address:x})");
            FdtEdits.SetStdoutPath(fdt, node.Path + ":" + BaudOptions(kernelArguments));
        }
    }

    /// <summary>
    /// The enabled node whose unit address is <paramref name="address"/> (device trees name MMIO
    /// nodes after the first reg address, which for the UARTs of our boards is the CPU address).
    /// </summary>
    public static FdtNode? NodeAt(Fdt fdt, ulong address)
    {
        string suffix = "@" + address.ToString("x", CultureInfo.InvariantCulture);
        return fdt.Root.Descendants().FirstOrDefault(n => n.Name.EndsWith(suffix, StringComparison.Ordinal) && n.IsEnabled);
    }

    /// <summary>The serial options of the console= argument ("ttyAMA3,115200" gives 115200n8), 115200n8 by default.</summary>
    private static string BaudOptions(IReadOnlyList<string> kernelArguments)
    {
        string? console = kernelArguments.LastOrDefault(a => a.StartsWith("console=", StringComparison.Ordinal));
        int comma = console?.IndexOf(',') ?? -1;
        if (console is null || comma < 0)
            return "115200n8";
        string options = console[(comma + 1)..];
        return options.All(char.IsDigit) ? options + "n8" : options;
    }

    /// <summary>
    /// Dumps the device tree QEMU generates for the board's machine (the arguments of its qemu
    /// section plus dumpdtb=); QEMU writes it and exits without running the guest.
    /// </summary>
    public static Fdt DumpFromQemu(BoardDescription board)
    {
        var qemu = board.Qemu ?? throw new InputException(board.Origin, $"board {board.Name} has neither a device tree nor a qemu section to dump one from");
        var scratch = Directory.CreateTempSubdirectory("jailhouse-dtb-");
        string path = Path.Combine(scratch.FullName, $"{board.Name}.dtb");
        var arguments = new List<string>(qemu.Arguments) { "-machine", "dumpdtb=" + path, "-nographic" };
        var result = ExternalTool.Run(qemu.Binary, arguments);
        if (result.ExitCode != 0 || !File.Exists(path))
        {
            scratch.Delete(recursive: true);
            throw new InputException(board.Origin, $"{qemu.Binary} could not dump the device tree (exit {result.ExitCode}): {result.Output.Trim()}");
        }
        try
        {
            return FdtReader.ReadFile(path);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
