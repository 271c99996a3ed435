using System.Buffers.Binary;
using System.Text;

namespace Jailhouse.DeviceTree;

/// <summary>
/// Reads a flattened device tree blob (version 16 or 17). Errors name the byte offset and what
/// was expected.
/// </summary>
public sealed class FdtReader
{
    public const uint Magic = 0xd00dfeed;
    /// <summary>
    /// Nesting refused beyond this (real trees are under 10 deep; libfdt stops at 64 too), so every
    /// walk over the tree may recurse.
    /// </summary>
    public const int MaxDepth = 64;
    internal const uint BeginNode = 1, EndNode = 2, Prop = 3, Nop = 4, End = 9;
    internal const int HeaderSize = 40;

    private readonly byte[] data;
    private readonly string file;

    private FdtReader(byte[] data, string file)
    {
        this.data = data;
        this.file = file;
    }

    public static Fdt ReadFile(string path)
    {
        return Read(InputFiles.Read(path, InputLimit.DeviceTree), path);
    }

    public static Fdt Read(byte[] bytes, string file) => new FdtReader(bytes, file).ReadTree();

    private InputException Error(long offset, string message) => new(SourceLocation.AtByte(file, offset), message);

    private uint U32(int offset)
    {
        if (offset < 0 || offset + 4 > data.Length)
            throw Error(offset, $"truncated: expected 4 bytes at 0x{offset:x}, the file has {data.Length}");
        return BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(offset));
    }

    private Fdt ReadTree()
    {
        if (data.Length < HeaderSize)
            throw Error(data.Length, $"truncated: a device tree header needs {HeaderSize} bytes, the file has {data.Length}");
        if (U32(0) != Magic)
            throw Error(0, $"expected the device tree magic 0xd00dfeed, found 0x{U32(0):x8}");
        uint totalSize = U32(4), structOffset = U32(8), stringsOffset = U32(12), reservationsOffset = U32(16);
        uint version = U32(20), lastCompatible = U32(24), bootCpu = U32(28), stringsSize = U32(32), structSize = U32(36);
        if (version is < 16 or > 17)
            throw Error(20, $"expected device tree version 16 or 17, found {version}");
        if (totalSize > data.Length)
            throw Error(4, $"the header's totalsize {totalSize} exceeds the file's {data.Length} bytes");
        void Within(int field, uint offset, uint size, string block)
        {
            if ((ulong)offset + size > totalSize)
                throw Error(field, $"the {block} block (0x{offset:x}, {size} bytes) lies outside the blob's {totalSize} bytes");
        }
        Within(8, structOffset, structSize, "structure");
        Within(12, stringsOffset, stringsSize, "strings");
        Within(16, reservationsOffset, 0, "memory reservation");

        var fdt = new Fdt { Version = version, LastCompatibleVersion = lastCompatible, BootCpuIdPhys = bootCpu };
        int position = (int)reservationsOffset;
        while (true)
        {
            if (position + 16 > totalSize)
                throw Error(position, "the memory reservation block has no terminating (0, 0) entry");
            ulong address = BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(position));
            ulong size = BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(position + 8));
            position += 16;
            if (address == 0 && size == 0)
                break;
            fdt.MemoryReservations.Add((address, size));
        }
        int reservationsEnd = position;

        fdt.OriginalStrings = data.AsSpan((int)stringsOffset, (int)stringsSize).ToArray();
        int structEnd = ReadStructure(fdt, (int)structOffset, (int)(structOffset + structSize));

        // Remember the layout: the usual one (reservations, structure, strings) is reproduced exactly.
        if (reservationsOffset >= HeaderSize && structOffset >= reservationsEnd && stringsOffset >= structEnd)
            fdt.OriginalGaps = [(int)reservationsOffset - HeaderSize, (int)structOffset - reservationsEnd, (int)stringsOffset - structEnd];
        fdt.TrailingPadding = (int)Math.Max(0, totalSize - (stringsOffset + stringsSize));
        return fdt;
    }

    private int ReadStructure(Fdt fdt, int start, int end)
    {
        int position = start;
        FdtNode? current = null;
        int depth = 0;
        while (true)
        {
            if (position + 4 > end)
                throw Error(position, "the structure block ends without FDT_END");
            uint token = U32(position);
            int tokenOffset = position;
            position += 4;
            switch (token)
            {
                case BeginNode:
                {
                    int nul = Array.IndexOf(data, (byte)0, position, end - position);
                    if (nul < 0)
                        throw Error(position, "unterminated node name");
                    string name = Encoding.UTF8.GetString(data, position, nul - position);
                    byte[] padding = data.AsSpan(nul + 1, Align(nul + 1) - (nul + 1)).ToArray();
                    position = Align(nul + 1);
                    if (current is null)
                    {
                        if (depth > 0 || fdt.Root.Name != "" || fdt.Root.Properties.Count > 0)
                            throw Error(tokenOffset, "a second root node");
                        fdt.Root = new FdtNode(name);
                        current = fdt.Root;
                    }
                    else
                    {
                        current = current.AddChild(name);
                    }
                    current.OriginalName = name;
                    current.OriginalNamePadding = padding;
                    current.Offset = tokenOffset;
                    if (++depth > MaxDepth)
                        throw Error(tokenOffset, $"node {current.Path} is nested {depth} levels deep; at most {MaxDepth} are supported");
                    break;
                }
                case EndNode:
                    if (current is null)
                        throw Error(tokenOffset, "FDT_END_NODE without a node");
                    current = current.Parent;
                    depth--;
                    break;
                case Prop:
                {
                    if (current is null)
                        throw Error(tokenOffset, "a property outside any node");
                    int length = (int)U32(position);
                    int nameOffset = (int)U32(position + 4);
                    position += 8;
                    if (length < 0 || (long)position + length > end)
                        throw Error(tokenOffset, $"property value of {length} bytes runs past the structure block");
                    if (nameOffset < 0 || nameOffset >= fdt.OriginalStrings.Length)
                        throw Error(tokenOffset + 8, $"property name offset {nameOffset} is outside the strings block ({fdt.OriginalStrings.Length} bytes)");
                    int nul = Array.IndexOf(fdt.OriginalStrings, (byte)0, nameOffset);
                    if (nul < 0)
                        throw Error(tokenOffset + 8, $"property name at strings offset {nameOffset} is not NUL-terminated");
                    string name = Encoding.UTF8.GetString(fdt.OriginalStrings, nameOffset, nul - nameOffset);
                    int padded = Align(position + length);
                    if (padded > end)
                        throw Error(tokenOffset, $"property value of {length} bytes runs past the structure block");
                    current.Properties.Add(new FdtProperty(name, data.AsSpan(position, length).ToArray())
                    {
                        OriginalNameOffset = nameOffset,
                        OriginalLength = length,
                        OriginalPadding = data.AsSpan(position + length, padded - position - length).ToArray(),
                        File = file,
                        Offset = tokenOffset,
                    });
                    position = padded;
                    break;
                }
                case Nop:
                {
                    var node = current ?? fdt.Root;
                    int at = node.Properties.Count + node.Children.Count;
                    if (node.Nops.Count > 0 && node.Nops[^1].Position == at)
                        node.Nops[^1] = (at, node.Nops[^1].Count + 1);
                    else
                        node.Nops.Add((at, 1));
                    break;
                }
                case End:
                    if (depth != 0)
                        throw Error(tokenOffset, $"FDT_END with {depth} node(s) still open");
                    return position;
                default:
                    throw Error(tokenOffset, $"expected a structure token (1 begin node, 2 end node, 3 property, 4 nop, 9 end), found 0x{token:x}");
            }
        }
    }

    private static int Align(int offset) => (offset + 3) & ~3;
}
