using Jailhouse.Config.Model;
using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Generate.X86;

/// <summary>
/// The I/O ports the root cell may access directly, from /proc/ioports. Below 0xd00 (legacy ISA
/// devices) only a known-safe set is passed through: PIT, keyboard controller, NMI status, RTC,
/// serial ports and VGA; everything else there is intercepted and shows up as an "Invalid PIO"
/// dump that `jailhouse diagnose` turns into the entry to add. The PCI config ports 0xcf8-0xcff
/// are always the hypervisor's. I/O BARs of PCI functions (at 0xd00 and above) are passed through.
/// </summary>
public static class RootPioRanges
{
    private static readonly ushort[] SafeLegacyPorts = [0x40, 0x60, 0x61, 0x64, 0x70, 0x2f8, 0x3f8];
    private const ushort PciConfigAddress = 0xcf8;
    private const ushort FirstPciPort = 0xd00;

    /// <param name="consolePort">The hypervisor's debug UART (I/O mapped), kept away from Linux; 0 for none.</param>
    public static List<PioRange> FromIoports(ResourceTree ioports, ushort consolePort)
    {
        var ranges = new List<PioRange>();
        foreach (var leaf in ioports.Leaves())
        {
            if (leaf.Start == PciConfigAddress || leaf.Start >= FirstPciPort || leaf.End > ushort.MaxValue)
                continue;
            string lower = leaf.Name.ToLowerInvariant();
            bool safe = SafeLegacyPorts.Contains((ushort)leaf.Start) || lower.Contains("vga", StringComparison.Ordinal)
                || lower.Contains("vesa", StringComparison.Ordinal);
            if (!safe || (consolePort != 0 && leaf.Contains(consolePort)))
                continue;
            ranges.Add(Range(leaf, RootMemoryRegions.Slug(leaf.Name)));
        }
        foreach (var node in ioports.All())
        {
            if (node.Start >= FirstPciPort && node.End <= ushort.MaxValue
                && PciFunction.TryParseAddress(node.Name, out _, out _, out _, out _))
                ranges.Add(Range(node, $"pci-io-{node.Name[5..]}"));
        }
        return [.. ranges.OrderBy(r => r.Base)];
    }

    private static PioRange Range(ResourceNode node, string name) =>
        new() { Name = name, Base = (ushort)node.Start, Length = (ushort)Math.Min(node.Size, ushort.MaxValue) };

    /// <summary>The ACPI PM timer port, which the hypervisor uses for calibration; null when the machine has none listed.</summary>
    public static ushort? PmTimer(ResourceTree ioports) =>
        ioports.All().FirstOrDefault(n => n.Name.Contains("ACPI PM_TMR", StringComparison.Ordinal)) is { } timer ? (ushort)timer.Start : null;
}
