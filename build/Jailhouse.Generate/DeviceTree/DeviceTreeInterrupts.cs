using Jailhouse.DeviceTree;

namespace Jailhouse.Generate;

/// <summary>
/// Interrupt numbers a node raises at the GIC, as the GIC's three-cell specifiers say them:
/// type 0 is an SPI (ID = number + 32), type 1 a PPI (ID = number + 16).
/// </summary>
public static class DeviceTreeInterrupts
{
    /// <summary>The controller a node's interrupts go to: its own or the nearest ancestor's interrupt-parent.</summary>
    public static FdtNode? InterruptParent(Fdt fdt, FdtNode node)
    {
        for (var n = node; n is not null; n = n.Parent)
            if (n.Property("interrupt-parent") is { Value.Length: 4 } parent)
                return fdt.ByPhandle(parent.AsU32());
        return null;
    }

    /// <summary>Interrupt IDs of the node that the <paramref name="gic"/> receives (interrupts, interrupts-extended, interrupt-map).</summary>
    public static List<int> GicInterrupts(Fdt fdt, FdtNode node, FdtNode gic, Dictionary<uint, FdtNode> phandles)
    {
        var ids = new List<int>();
        if (node.Property("interrupts") is { } interrupts && InterruptParent(fdt, node) == gic)
            AddSpecifiers(ids, interrupts.AsCells(), gic);
        if (node.Property("interrupts-extended") is { } extended)
        {
            var cells = extended.AsCells();
            for (int i = 0; i < cells.Length;)
            {
                if (!phandles.TryGetValue(cells[i], out var controller))
                    break;
                int count = InterruptCells(controller);
                if (count == 0 || i + 1 + count > cells.Length)
                    break;
                if (controller == gic)
                    AddSpecifiers(ids, cells.AsSpan(i + 1, count).ToArray(), gic);
                i += 1 + count;
            }
        }
        if (node.Property("interrupt-map") is { } map)
        {
            // Entries: child unit address, child specifier, parent phandle, parent unit address, parent specifier.
            var cells = map.AsCells();
            int childCells = node.ChildCells().Address + InterruptCells(node);
            for (int i = childCells; i < cells.Length;)
            {
                if (!phandles.TryGetValue(cells[i], out var controller))
                    break;
                int parentAddress = controller.Count("#address-cells", 0, FdtNode.MaxCells);
                int count = InterruptCells(controller);
                int end = i + 1 + parentAddress + count;
                if (count == 0 || end > cells.Length)
                    break;
                if (controller == gic)
                    AddSpecifiers(ids, cells.AsSpan(i + 1 + parentAddress, count).ToArray(), gic);
                i = end + childCells;
            }
        }
        return ids;
    }

    /// <summary>GIC specifiers have 3 or 4 cells; 8 leaves room for any interrupt controller.</summary>
    private static int InterruptCells(FdtNode controller) => controller.Count("#interrupt-cells", 0, 8);

    private static void AddSpecifiers(List<int> ids, uint[] cells, FdtNode gic)
    {
        int count = InterruptCells(gic);
        if (count < 2)
            return;
        for (int i = 0; i + count <= cells.Length; i += count)
        {
            uint type = cells[i], number = cells[i + 1];
            if (type == 0 && number < 988)
                ids.Add((int)number + 32);
            else if (type == 1 && number < 16)
                ids.Add((int)number + 16);
        }
    }
}
