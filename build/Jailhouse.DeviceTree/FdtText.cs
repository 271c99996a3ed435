using System.Text;

namespace Jailhouse.DeviceTree;

/// <summary>DTS-like text of a tree for `jailhouse dt show`: strings as strings, cells in hex, other bytes as [..].</summary>
public static class FdtText
{
    public static string Write(Fdt fdt)
    {
        var text = new StringBuilder("/dts-v1/;\n");
        foreach (var (address, size) in fdt.MemoryReservations)
            text.Append($"/memreserve/ 0x{address:x} 0x{size:x};\n");
        Node(text, fdt.Root, 0);
        return text.ToString();
    }

    private static void Node(StringBuilder text, FdtNode node, int depth)
    {
        string indent = new('\t', depth);
        text.Append(indent).Append(node.Name.Length == 0 ? "/" : node.Name).Append(" {\n");
        foreach (var property in node.Properties)
        {
            text.Append(indent).Append('\t').Append(property.Name);
            if (property.Value.Length > 0)
                text.Append(" = ").Append(Value(property.Value));
            text.Append(";\n");
        }
        foreach (var child in node.Children)
            Node(text, child, depth + 1);
        text.Append(indent).Append("};\n");
    }

    private static string Value(byte[] value)
    {
        if (IsStringList(value))
            return string.Join(", ", Encoding.UTF8.GetString(value, 0, value.Length - 1).Split('\0').Select(s => $"\"{s.Replace("\\", "\\\\").Replace("\"", "\\\"")}\""));
        if (value.Length % 4 == 0)
            return "<" + string.Join(' ', new FdtProperty("", value).AsCells().Select(c => $"0x{c:x}")) + ">";
        return "[" + Convert.ToHexStringLower(value) + "]";
    }

    private static bool IsStringList(byte[] value)
    {
        if (value.Length == 0 || value[^1] != 0 || value[0] == 0)
            return false;
        for (int i = 0; i < value.Length; i++)
        {
            byte b = value[i];
            if (b == 0)
            {
                if (i > 0 && value[i - 1] == 0)
                    return false;
                continue;
            }
            if (b < 0x20 || b > 0x7e)
                return false;
        }
        return true;
    }
}
