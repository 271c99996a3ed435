
namespace Jailhouse.DeviceTree;

/// <summary>The device-tree edits a Jailhouse bring-up needs.</summary>
public static class FdtEdits
{
    /// <summary>
    /// Adds a /reserved-memory child with no-map for [address, address+size), creating
    /// /reserved-memory (with the root's cell sizes and an empty ranges) when it is absent.
    /// </summary>
    public static FdtNode Reserve(Fdt fdt, ulong address, ulong size, string name = "jailhouse")
    {
        var reserved = fdt.Find("/reserved-memory");
        var (addressCells, sizeCells) = fdt.Root.ChildCells();
        if (reserved is null)
        {
            reserved = fdt.Root.AddChild("reserved-memory");
            reserved.SetCells("#address-cells", (uint)addressCells);
            reserved.SetCells("#size-cells", (uint)sizeCells);
            reserved.Set("ranges", []);
        }
        else
        {
            (addressCells, sizeCells) = reserved.ChildCells();
        }
        string nodeName = $"{name}@{address:x}";
        if (reserved.Children.Any(c => c.Name == nodeName))
            throw new ArgumentException($"/reserved-memory/{nodeName} exists already");
        var child = reserved.AddChild(nodeName);
        child.Set("reg", Cells(address, addressCells, size, sizeCells));
        child.Set("no-map", []);
        return child;
    }

    public static void SetBootargs(Fdt fdt, string bootargs) => Chosen(fdt).SetString("bootargs", bootargs);

    public static void SetStdoutPath(Fdt fdt, string path) => Chosen(fdt).SetString("stdout-path", path);

    private static FdtNode Chosen(Fdt fdt) => fdt.Find("/chosen") ?? fdt.Root.AddChild("chosen");

    /// <summary>Removes [address, address+size) from every /memory node's reg (splitting banks as needed).</summary>
    public static void ShrinkMemory(Fdt fdt, ulong address, ulong size)
    {
        ulong end = address + size;
        var memories = fdt.Root.Children.Where(c => c.Name == "memory" || c.Name.StartsWith("memory@", StringComparison.Ordinal)).ToList();
        if (memories.Count == 0)
            throw new ArgumentException("the device tree has no /memory node");
        var (addressCells, sizeCells) = fdt.Root.ChildCells();
        bool touched = false;
        foreach (var memory in memories)
        {
            var banks = new List<(ulong Address, ulong Size)>();
            foreach (var (start, length) in memory.Reg())
            {
                ulong bankEnd = start + length;
                if (bankEnd <= address || start >= end)
                {
                    banks.Add((start, length));
                    continue;
                }
                touched = true;
                if (start < address)
                    banks.Add((start, address - start));
                if (bankEnd > end)
                    banks.Add((end, bankEnd - end));
            }
            memory.Set("reg", banks.SelectMany(b => Cells(b.Address, addressCells, b.Size, sizeCells)).ToArray());
        }
        if (!touched)
            throw new ArgumentException($"0x{address:x}+0x{size:x} is not inside any /memory bank");
    }

    /// <summary>Sets status = "disabled" on the node at <paramref name="path"/> (a device handed to a cell).</summary>
    public static void Disable(Fdt fdt, string path)
    {
        var node = fdt.Find(path) ?? throw new ArgumentException($"no node {path}");
        node.SetString("status", "disabled");
    }

    private static byte[] Cells(ulong address, int addressCells, ulong size, int sizeCells)
    {
        var cells = new List<uint>();
        void Add(ulong value, int count)
        {
            for (int i = count - 1; i >= 0; i--)
                cells.Add(i >= 2 ? 0 : (uint)(value >> (32 * i)));
        }
        Add(address, addressCells);
        Add(size, sizeCells);
        return FdtProperty.EncodeCells([.. cells]);
    }
}
