using Jailhouse.DeviceTree;

namespace Jailhouse.Generate;

/// <summary>
/// CPU physical addresses of device tree nodes: reg entries translated through every parent
/// bus's ranges (an absent ranges property means the bus is not memory-mapped, e.g. I2C).
/// </summary>
public static class DeviceTreeAddresses
{
    /// <summary>The node's reg entries as CPU physical ranges; empty when a bus on the way has no ranges.</summary>
    public static List<AddressRange> Reg(FdtNode node)
    {
        var result = new List<AddressRange>();
        if (node.Parent is null)
            return result;
        foreach (var (address, size) in node.Reg())
            if (size > 0 && FromBus(node.Parent, address, size) is { } cpu)
                result.Add(AddressRange.OfSize(cpu, size));
        return result;
    }

    /// <summary>The CPU address windows a bus node opens with its ranges (PCI hosts: I/O and memory windows).</summary>
    public static List<AddressRange> Windows(FdtNode bus)
    {
        var result = new List<AddressRange>();
        if (bus.Parent is null)
            return result;
        foreach (var entry in RangesEntries(bus))
            if (entry.Size > 0 && FromBus(bus.Parent, entry.Parent, entry.Size) is { } cpu)
                result.Add(AddressRange.OfSize(cpu, entry.Size));
        return result;
    }

    /// <summary>
    /// Translates an address of <paramref name="bus"/>'s child address space to a CPU address, or
    /// null if some bus on the way does not map it (no ranges, or no entry covers it).
    /// </summary>
    public static ulong? FromBus(FdtNode bus, ulong address, ulong size)
    {
        for (var node = bus; node.Parent is not null; node = node.Parent)
        {
            var ranges = node.Property("ranges");
            if (ranges is null)
                return null;
            if (ranges.Value.Length == 0)
                continue;
            bool found = false;
            foreach (var entry in RangesEntries(node))
            {
                if (address >= entry.Child && address - entry.Child + size <= entry.Size)
                {
                    address = entry.Parent + (address - entry.Child);
                    found = true;
                    break;
                }
            }
            if (!found)
                return null;
        }
        return address;
    }

    private readonly record struct RangesEntry(ulong Child, ulong Parent, ulong Size);

    /// <summary>A bus's ranges entries: child address (its #address-cells), parent address (the parent's), size (its #size-cells).</summary>
    private static List<RangesEntry> RangesEntries(FdtNode bus)
    {
        var entries = new List<RangesEntry>();
        var ranges = bus.Property("ranges");
        if (ranges is null || bus.Parent is null)
            return entries;
        var (childAddress, childSize) = bus.ChildCells();
        int parentAddress = bus.Parent.ChildCells().Address;
        var cells = ranges.AsCells();
        int stride = childAddress + parentAddress + childSize;
        for (int i = 0; stride > 0 && i + stride <= cells.Length; i += stride)
        {
            // PCI child addresses carry a space code in their first cell: the low 64 bits are the address.
            ulong child = FdtNode.Combine(cells.AsSpan(i, childAddress));
            ulong parent = FdtNode.Combine(cells.AsSpan(i + childAddress, parentAddress));
            ulong size = FdtNode.Combine(cells.AsSpan(i + childAddress + parentAddress, childSize));
            entries.Add(new RangesEntry(child, parent, size));
        }
        return entries;
    }

    /// <summary>Enabled itself and every ancestor enabled (a disabled bus hides its children).</summary>
    public static bool IsEnabledWithAncestors(FdtNode node)
    {
        for (var n = node; n is not null; n = n.Parent)
            if (!n.IsEnabled)
                return false;
        return true;
    }
}
