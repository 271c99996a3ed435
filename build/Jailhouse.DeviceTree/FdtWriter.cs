using System.Buffers.Binary;
using System.Text;

namespace Jailhouse.DeviceTree;

/// <summary>
/// Writes a device tree blob (version 17): header, memory reservations, structure and strings in
/// the usual order, property names deduplicated in the strings block. An unedited tree comes
/// out byte-identical: names keep their original string offsets, NOPs and padding are kept.
/// </summary>
public static class FdtWriter
{
    public static byte[] Write(Fdt fdt)
    {
        var strings = new StringTable(fdt.OriginalStrings);
        var structure = new MemoryStream();
        WriteNode(structure, fdt.Root, strings);
        WriteU32(structure, FdtReader.End);
        byte[] structBytes = structure.ToArray();
        byte[] stringBytes = strings.ToArray();

        int reservationsOffset = FdtReader.HeaderSize + fdt.OriginalGaps[0];
        int reservationsSize = (fdt.MemoryReservations.Count + 1) * 16;
        int structOffset = reservationsOffset + reservationsSize + fdt.OriginalGaps[1];
        int stringsOffset = structOffset + structBytes.Length + fdt.OriginalGaps[2];
        int totalSize = stringsOffset + stringBytes.Length + fdt.TrailingPadding;

        var blob = new byte[totalSize];
        var span = blob.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span, FdtReader.Magic);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)totalSize);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)structOffset);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], (uint)stringsOffset);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], (uint)reservationsOffset);
        BinaryPrimitives.WriteUInt32BigEndian(span[20..], 17);
        BinaryPrimitives.WriteUInt32BigEndian(span[24..], fdt.LastCompatibleVersion);
        BinaryPrimitives.WriteUInt32BigEndian(span[28..], fdt.BootCpuIdPhys);
        BinaryPrimitives.WriteUInt32BigEndian(span[32..], (uint)stringBytes.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span[36..], (uint)structBytes.Length);
        int position = reservationsOffset;
        foreach (var (address, size) in fdt.MemoryReservations)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[position..], address);
            BinaryPrimitives.WriteUInt64BigEndian(span[(position + 8)..], size);
            position += 16;
        }
        structBytes.CopyTo(span[structOffset..]);
        stringBytes.CopyTo(span[stringsOffset..]);
        return blob;
    }

    private static void WriteNode(MemoryStream output, FdtNode node, StringTable strings)
    {
        WriteU32(output, FdtReader.BeginNode);
        output.Write(Encoding.UTF8.GetBytes(node.Name + "\0"));
        Pad(output, node.OriginalName == node.Name ? node.OriginalNamePadding : null);
        int index = 0;
        void Nops()
        {
            foreach (var (position, count) in node.Nops)
                if (position == index)
                    for (int i = 0; i < count; i++)
                        WriteU32(output, FdtReader.Nop);
        }
        foreach (var property in node.Properties)
        {
            Nops();
            WriteU32(output, FdtReader.Prop);
            WriteU32(output, (uint)property.Value.Length);
            WriteU32(output, (uint)strings.Offset(property));
            output.Write(property.Value);
            Pad(output, property.OriginalLength == property.Value.Length ? property.OriginalPadding : null);
            index++;
        }
        foreach (var child in node.Children)
        {
            Nops();
            WriteNode(output, child, strings);
            index++;
        }
        Nops();
        WriteU32(output, FdtReader.EndNode);
    }

    private static void WriteU32(MemoryStream output, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        output.Write(bytes);
    }

    /// <summary>Aligns to 4 bytes: with the original padding bytes when they still fit, else zeros.</summary>
    private static void Pad(MemoryStream output, byte[]? original = null)
    {
        int needed = (int)((4 - output.Length % 4) % 4);
        if (original is not null && original.Length == needed)
            output.Write(original);
        else
            output.Write(new byte[needed]);
    }

    /// <summary>The strings block: the original bytes first, new names appended once each.</summary>
    private sealed class StringTable
    {
        private readonly MemoryStream bytes = new();
        private readonly Dictionary<string, int> added = new(StringComparer.Ordinal);

        public StringTable(byte[] original) => bytes.Write(original);

        private ReadOnlySpan<byte> Current => bytes.GetBuffer().AsSpan(0, (int)bytes.Length);

        public int Offset(FdtProperty property)
        {
            if (property.OriginalNameOffset >= 0 && NameAt(property.OriginalNameOffset) == property.Name)
                return property.OriginalNameOffset;
            if (added.TryGetValue(property.Name, out int offset))
                return offset;
            // Reuse any existing occurrence (a whole string or the tail of one), as dtc does.
            byte[] needle = Encoding.UTF8.GetBytes(property.Name + "\0");
            int found = Current.IndexOf(needle);
            if (found >= 0)
                return added[property.Name] = found;
            offset = (int)bytes.Length;
            bytes.Write(needle);
            return added[property.Name] = offset;
        }

        private string NameAt(int offset)
        {
            var all = Current;
            if (offset >= all.Length)
                return "";
            int nul = all[offset..].IndexOf((byte)0);
            return nul < 0 ? "" : Encoding.UTF8.GetString(all.Slice(offset, nul));
        }

        public byte[] ToArray() => Current.ToArray();
    }
}
