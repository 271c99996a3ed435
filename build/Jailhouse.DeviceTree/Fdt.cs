using System.Buffers.Binary;
using System.Text;

namespace Jailhouse.DeviceTree;

/// <summary>A flattened device tree: header fields, the memory reservation block and the node tree.</summary>
public sealed class Fdt
{
    public uint Version { get; set; } = 17;
    public uint LastCompatibleVersion { get; set; } = 16;
    public uint BootCpuIdPhys { get; set; }
    public List<(ulong Address, ulong Size)> MemoryReservations { get; } = [];
    public FdtNode Root { get; set; } = new("");

    /// <summary>The strings block as read (kept so unedited trees write back byte-identical).</summary>
    internal byte[] OriginalStrings { get; set; } = [];
    /// <summary>Bytes of padding after the last block, as dtc -p leaves them.</summary>
    internal int TrailingPadding { get; set; }
    /// <summary>Gaps between the blocks of the original layout (header, reservations, structure, strings).</summary>
    internal int[] OriginalGaps { get; set; } = [0, 0, 0];

    /// <summary>The node at an absolute path ("/", "/chosen", "/soc/uart@9000000"), or null.</summary>
    public FdtNode? Find(string path)
    {
        if (path == "/")
            return Root;
        var node = Root;
        foreach (string part in path.Trim('/').Split('/'))
        {
            var next = node.Children.FirstOrDefault(c => c.Name == part)
                ?? node.Children.FirstOrDefault(c => c.Name.Split('@')[0] == part && !part.Contains('@'));
            if (next is null)
                return null;
            node = next;
        }
        return node;
    }

    /// <summary>The node with this phandle, or null.</summary>
    public FdtNode? ByPhandle(uint phandle) =>
        Root.Descendants().FirstOrDefault(n => (n.Property("phandle") ?? n.Property("linux,phandle"))?.AsU32() == phandle);

    /// <summary>Resolves an alias ("serial3") or a path, as /chosen stdout-path does; options after ':' are dropped.</summary>
    public FdtNode? Resolve(string pathOrAlias)
    {
        string path = pathOrAlias.Split(':')[0];
        if (!path.StartsWith('/'))
            path = Find("/aliases")?.Property(path)?.AsString() ?? "";
        return path.Length == 0 ? null : Find(path);
    }
}

/// <summary>A node: its properties and children in order (NOP tokens are kept as markers for byte-exact output).</summary>
public sealed class FdtNode(string name)
{
    public string Name { get; set; } = name;
    public FdtNode? Parent { get; internal set; }
    public List<FdtProperty> Properties { get; } = [];
    public List<FdtNode> Children { get; } = [];
    /// <summary>NOP tokens: (position among properties then children, count), as found in the original.</summary>
    internal List<(int Position, int Count)> Nops { get; } = [];
    /// <summary>The alignment bytes after the name as read (see <see cref="FdtProperty.OriginalPadding"/>).</summary>
    internal byte[]? OriginalNamePadding { get; set; }
    internal string? OriginalName { get; set; }
    /// <summary>Byte offset of the node's FDT_BEGIN_NODE token in the blob it was read from (-1: added since).</summary>
    public long Offset { get; internal set; } = -1;

    /// <summary>Where an error about this node points: its byte offset in <paramref name="file"/>, if it came from there.</summary>
    public SourceLocation At(string file) =>
        Offset >= 0 ? SourceLocation.AtByte(file, Offset) : new(file, 0, 0);

    /// <summary>
    /// A count property (#address-cells, #size-cells, #interrupt-cells) of at most <paramref name="max"/>,
    /// or <paramref name="absent"/>; anything else is refused at the property's byte offset.
    /// </summary>
    public int Count(string propertyName, int absent, int max)
    {
        var property = Property(propertyName);
        if (property is null)
            return absent;
        uint value = property.AsU32();
        return value <= (uint)max ? (int)value
            : throw property.Error($"{Path}: {propertyName} is {value}; at most {max} is supported");
    }

    public string Path => Parent is null ? "/" : Parent.Parent is null ? "/" + Name : Parent.Path + "/" + Name;

    public FdtProperty? Property(string propertyName) => Properties.FirstOrDefault(p => p.Name == propertyName);

    public IEnumerable<FdtNode> Descendants()
    {
        foreach (var child in Children)
        {
            yield return child;
            foreach (var grandchild in child.Descendants())
                yield return grandchild;
        }
    }

    public FdtNode AddChild(string childName)
    {
        var child = new FdtNode(childName) { Parent = this };
        Children.Add(child);
        return child;
    }

    public void Set(string propertyName, byte[] value)
    {
        var existing = Property(propertyName);
        if (existing is not null)
            existing.Value = value;
        else
            Properties.Add(new FdtProperty(propertyName, value));
    }

    public void SetString(string propertyName, string value) => Set(propertyName, FdtProperty.EncodeString(value));

    public void SetCells(string propertyName, params uint[] cells) => Set(propertyName, FdtProperty.EncodeCells(cells));

    /// <summary>#address-cells / #size-cells that apply to this node's children (defaults 2 and 1).</summary>
    public (int Address, int Size) ChildCells() =>
        (Count("#address-cells", 2, MaxCells), Count("#size-cells", 1, MaxCells));

    /// <summary>Addresses and sizes of up to 4 cells (PCI uses 3): more cannot be a real bus.</summary>
    public const int MaxCells = 4;

    /// <summary>The node's reg entries, decoded with its parent's #address-cells and #size-cells.</summary>
    public List<(ulong Address, ulong Size)> Reg()
    {
        var reg = Property("reg");
        if (reg is null || Parent is null)
            return [];
        var (addressCells, sizeCells) = Parent.ChildCells();
        var cells = reg.AsCells();
        int stride = addressCells + sizeCells;
        var entries = new List<(ulong, ulong)>();
        for (int i = 0; stride > 0 && i + stride <= cells.Length; i += stride)
            entries.Add((Combine(cells.AsSpan(i, addressCells)), Combine(cells.AsSpan(i + addressCells, sizeCells))));
        return entries;
    }

    /// <summary>A number of one or more big-endian cells (#address-cells/#size-cells of them), most significant first.</summary>
    public static ulong Combine(ReadOnlySpan<uint> cells)
    {
        ulong value = 0;
        foreach (uint cell in cells)
            value = (value << 32) | cell;
        return value;
    }

    /// <summary>Enabled unless status says otherwise ("okay"/"ok" or absent).</summary>
    public bool IsEnabled => Property("status")?.AsString() is null or "okay" or "ok";

    public override string ToString() => Path;
}

/// <summary>A property: name and raw big-endian value bytes.</summary>
public sealed class FdtProperty(string name, byte[] value)
{
    public string Name { get; } = name;
    public byte[] Value { get; set; } = value;
    /// <summary>Where the name stood in the original strings block (-1: new), reused when writing.</summary>
    internal int OriginalNameOffset { get; set; } = -1;
    /// <summary>The alignment bytes after the value as read: tools that resize in place leave stale bytes there.</summary>
    internal byte[]? OriginalPadding { get; set; }
    internal int OriginalLength { get; set; } = -1;
    /// <summary>The blob and byte offset of the property's FDT_PROP token, when it was read from one.</summary>
    internal string? File { get; set; }
    internal long Offset { get; set; } = -1;

    /// <summary>An error about this property, at its byte offset in the blob it came from.</summary>
    public InputException Error(string message) =>
        new(Offset >= 0 ? SourceLocation.AtByte(File ?? "device tree", Offset) : new(File ?? "device tree", 0, 0), message);

    /// <summary>A one-cell value; a property of another length is refused with its offset.</summary>
    public uint AsU32() => Value.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(Value)
        : throw Error($"property {Name}: expected one 32-bit cell (4 bytes), found {Value.Length} bytes");

    public uint[] AsCells()
    {
        var cells = new uint[Value.Length / 4];
        for (int i = 0; i < cells.Length; i++)
            cells[i] = BinaryPrimitives.ReadUInt32BigEndian(Value.AsSpan(i * 4));
        return cells;
    }

    /// <summary>The first NUL-terminated string.</summary>
    public string AsString()
    {
        int nul = Array.IndexOf(Value, (byte)0);
        return Encoding.UTF8.GetString(Value, 0, nul < 0 ? Value.Length : nul);
    }

    public string[] AsStrings() =>
        Encoding.UTF8.GetString(Value).TrimEnd('\0').Split('\0');

    public static byte[] EncodeString(string value) => Encoding.UTF8.GetBytes(value + "\0");

    public static byte[] EncodeCells(params uint[] cells)
    {
        var bytes = new byte[cells.Length * 4];
        for (int i = 0; i < cells.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), cells[i]);
        return bytes;
    }
}
