using System.Text;
using Jailhouse.Config.Model;
using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Generate.X86;

/// <summary>A range of physical memory the root cell keeps, before it becomes a config entry.</summary>
public sealed record MemoryRange(ulong Start, ulong End, string Owner, bool IsRam)
{
    /// <summary>Exclusive end rounded up to whole pages, as the hypervisor maps them.</summary>
    public ulong PageEnd => (End + 1 + 0xfff) & ~0xfffUL;
}

/// <summary>
/// The root cell's memory map from /proc/iomem: all System RAM, and every leaf a driver or the
/// firmware claimed except what the hypervisor intercepts itself (MMCONFIG, (IO)APICs, IOMMU
/// registers, MSI-X tables) and what is plainly reserved. Empty PCI bus windows stay unmapped,
/// so that a device appearing there later is not reachable without the hypervisor knowing.
/// </summary>
public static class RootMemoryRegions
{
    /// <summary>The legacy option ROM area; mapped as one region whenever a ROM is in it.</summary>
    private const ulong RomStart = 0xc0000, RomEnd = 0xdffff;
    private const ulong VgaWindow = 0xa0000;

    public static List<MemoryRange> FromIomem(ResourceTree iomem, IReadOnlyList<PciFunction> functions, MmconfigArea? mmconfig)
    {
        var leaves = new List<MemoryRange>();
        Collect(iomem.Roots, leaves, mmconfig);

        var result = new List<MemoryRange>();
        bool rom = false;
        foreach (var range in leaves.OrderBy(r => r.Start))
        {
            if (range.Start >= RomStart && range.End <= RomEnd)
            {
                rom = true;
                continue;
            }
            foreach (var piece in WithoutMsixTables(range, functions))
            {
                if (result.Count > 0 && result[^1] is { IsRam: true } previous && piece.IsRam && previous.End + 1 == piece.Start)
                    result[^1] = previous with { End = piece.End };
                else
                    result.Add(piece);
            }
        }
        if (rom)
            result.Add(new MemoryRange(RomStart, RomEnd, "ROMs", false));
        // Newer kernels report the first page as reserved; CPU start-up needs it mapped.
        if (result.Count > 0 && result[0] is { IsRam: true, Start: 0x1000 } first)
            result[0] = first with { Start = 0 };
        return [.. result.OrderBy(r => r.Start)];
    }

    private static void Collect(List<ResourceNode> nodes, List<MemoryRange> into, MmconfigArea? mmconfig)
    {
        foreach (var node in nodes)
        {
            string name = node.Name;
            if (node.Depth == 0 && name == "System RAM")
            {
                into.Add(new MemoryRange(node.Start, node.End, name, true));
                continue;
            }
            // The hypervisor emulates MMCONFIG and the (IO)APICs; IOMMU registers are its own.
            if (name.Contains("PCI MMCONFIG", StringComparison.Ordinal) || name.Contains("PCI ECAM", StringComparison.Ordinal)
                || name.Contains("APIC", StringComparison.Ordinal) || name.Contains("dmar", StringComparison.Ordinal)
                || name.Contains("amd_iommu", StringComparison.Ordinal))
                continue;
            if (mmconfig is not null && node.Start >= mmconfig.Base && node.End < mmconfig.Base + ((ulong)(mmconfig.EndBus + 1) << 20))
                continue;
            if (node.Children.Count > 0)
            {
                Collect(node.Children, into, mmconfig);
                continue;
            }
            if (name.Equals("reserved", StringComparison.OrdinalIgnoreCase))
                continue;
            if (name.StartsWith("PCI Bus", StringComparison.Ordinal) && node.Start != VgaWindow)
                continue;
            into.Add(new MemoryRange(node.Start, node.End, OwnerName(node), IsRam(name)));
        }
    }

    private static bool IsRam(string name) => name is "System RAM" or "Kernel" or "RAM buffer";

    /// <summary>A leaf's name, with the PCI function it belongs to when a parent names one ("0000:00:02.0").</summary>
    private static string OwnerName(ResourceNode node)
    {
        for (var parent = node.Parent; parent is not null; parent = parent.Parent)
            if (PciFunction.TryParseAddress(parent.Name, out _, out _, out _, out _))
                return $"{node.Name} {parent.Name[5..]}";
        return node.Name;
    }

    /// <summary>Cuts the MSI-X table pages out of a range: the hypervisor emulates them.</summary>
    private static IEnumerable<MemoryRange> WithoutMsixTables(MemoryRange range, IReadOnlyList<PciFunction> functions)
    {
        var tables = functions.Where(f => f.MsixAddress != 0 && f.MsixAddress >= range.Start && f.MsixAddress <= range.End)
            .Select(f => (Start: f.MsixAddress & ~0xfffUL, End: (f.MsixAddress & ~0xfffUL) + f.MsixRegionSize - 1))
            .OrderBy(t => t.Start)
            .ToList();
        ulong at = range.Start;
        foreach (var (start, end) in tables)
        {
            if (start > at)
                yield return range with { Start = at, End = start - 1 };
            at = Math.Max(at, end + 1);
        }
        if (at <= range.End)
            yield return range with { Start = at };
    }

    /// <summary>The ranges minus [<paramref name="start"/>, <paramref name="end"/>): memory that must stay out of the root cell.</summary>
    public static List<MemoryRange> Without(IEnumerable<MemoryRange> ranges, ulong start, ulong end)
    {
        var result = new List<MemoryRange>();
        foreach (var range in ranges)
        {
            if (range.End < start || range.Start >= end)
            {
                result.Add(range);
                continue;
            }
            if (range.Start < start)
                result.Add(range with { End = start - 1 });
            if (range.End >= end)
                result.Add(range with { Start = end });
        }
        return result;
    }

    /// <summary>Region names as the YAML shows them: lower case, words joined by '-'.</summary>
    public static string Slug(string owner)
    {
        var slug = new StringBuilder();
        foreach (char c in owner.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c) || c is ':' or '.')
                slug.Append(c);
            else if (slug.Length > 0 && slug[^1] != '-')
                slug.Append('-');
        }
        return slug.ToString().TrimEnd('-');
    }

    public static MemoryFlags Flags(bool isRam) =>
        isRam ? MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Execute | MemoryFlags.Dma : MemoryFlags.Read | MemoryFlags.Write;
}
