using System.Buffers.Binary;
using System.Text;
using Jailhouse.DeviceTree;
using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Fuzz;

/// <summary>Structure-aware mutators: each knows its format's fields and the mistakes people make in it.</summary>
public sealed class Formats(Mutator m, Seeds seeds)
{
    /// <summary>A binary configuration: header counts and region fields hit with boundary values, truncation, splices of other cells.</summary>
    public byte[] Cell(byte[] seed) => m.MutateBytes(seed, seeds.Cells.Select(c => c.Bytes).ToList());

    /// <summary>YAML: line and token edits plus the constructs that break parsers (open flow collections, anchors, deep nesting).</summary>
    public string Yaml(string seed)
    {
        string text = m.MutateText(seed, seeds.Yaml.Select(y => y.Text).ToList());
        switch (m.Next(14))
        {
            case 0:
                return text + "\nx: {\n- a\n";
            case 1:
                return "a: &a [x, x, x, x]\n" + string.Concat(Enumerable.Range(0, 12).Select(i => $"{(char)('b' + i)}: &{(char)('b' + i)} {{ *{(char)('a' + i)} : *{(char)('a' + i)} }}\n")) + text;
            case 2:
                return text + "\ndeep: " + new string('[', 100 + m.Next(5000)) + new string(']', m.Next(2) * 100);
            case 3:
                return "\ufeff" + text.Replace("  ", m.Chance(0.5) ? "\t" : " ");
            case 4:
                return text + "\n<<: { arch: x86 }\n";
            case 5:
            {
                // Many regions: the checker must stay near-linear.
                var regions = new StringBuilder(text.TrimEnd('\n') + "\n");
                int count = 200 + m.Next(2000);
                regions.Append("  memory:\n");
                for (int i = 0; i < count; i++)
                    regions.Append($"    - {{ phys: 0x{(ulong)(m.Chance(0.5) ? i : m.Next(64)) << 12:x}, size: 4K, flags: [read] }}\n");
                return regions.ToString();
            }
            default:
                return text;
        }
    }

    public string Board(string seed) => Yaml(seed);

    /// <summary>A device tree: node- and property-level edits through the reader and writer, raw token and header damage, deep nesting.</summary>
    public byte[] DeviceTree(byte[] seed)
    {
        int choice = m.Next(20);
        if (choice == 0)
            return DeepTree(m.Chance(0.5) ? FdtReader.MaxDepth - 2 + m.Next(6) : 20_000 + m.Next(10_000));
        if (choice < 11)
        {
            try
            {
                var fdt = FdtReader.Read(seed, "seed");
                int rounds = 1 + m.Next(4);
                for (int i = 0; i < rounds; i++)
                    MutateTree(fdt);
                return FdtWriter.Write(fdt);
            }
            catch (Exception e) when (e is InputException or ArgumentException)
            {
                // The writer refuses some edits (e.g. a name it cannot encode); fall back to bytes.
            }
        }
        return m.MutateBytes(seed, seeds.DeviceTrees.Select(d => d.Bytes).ToList());
    }

    private void MutateTree(Fdt fdt)
    {
        var nodes = new List<FdtNode> { fdt.Root };
        nodes.AddRange(fdt.Root.Descendants());
        var node = m.Pick(nodes);
        switch (m.Next(8))
        {
            case 0 when node.Properties.Count > 0:
            {
                var property = m.Pick(node.Properties);
                var cells = new uint[m.Chance(0.7) ? property.Value.Length / 4 : m.Next(9)];
                for (int i = 0; i < cells.Length; i++)
                    cells[i] = m.Chance(0.5) && i * 4 + 4 <= property.Value.Length ? BinaryPrimitives.ReadUInt32BigEndian(property.Value.AsSpan(i * 4)) : (uint)m.InterestingNumber();
                property.Value = FdtProperty.EncodeCells(cells);
                break;
            }
            case 1 when node.Properties.Count > 0:
                node.Properties.RemoveAt(m.Next(node.Properties.Count));
                break;
            case 2:
                node.SetCells(m.Chance(0.5) ? "#address-cells" : "#size-cells", (uint)m.Pick(new ulong[] { 0, 1, 2, 3, 4, 5, 0xffffffff }));
                break;
            case 3:
                node.SetString("status", m.Pick(new[] { "disabled", "okay", "fail", "" }));
                break;
            case 4 when node.Parent is not null:
                node.Parent.Children.Remove(node);
                break;
            case 5:
                node.SetString(m.Pick(new[] { "stdout-path", "compatible", "device_type", "bootargs" }), m.InterestingToken());
                break;
            case 6:
                node.Set(m.Pick(new[] { "reg", "ranges", "interrupts", "phandle", "interrupt-parent" }), m.MutateBytes(node.Property("reg")?.Value ?? [0, 0, 0, 1]));
                break;
            default:
                node.AddChild(m.Chance(0.5) ? $"dev@{m.InterestingNumber():x}" : m.InterestingToken().Replace("\0", ""))
                    .SetCells("reg", (uint)m.InterestingNumber(), (uint)m.InterestingNumber());
                break;
        }
    }

    /// <summary>A blob whose nodes nest <paramref name="depth"/> levels, written by hand: the tree writer would recurse.</summary>
    public static byte[] DeepTree(int depth)
    {
        var structure = new List<byte>();
        void Word(uint value) { var b = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, value); structure.AddRange(b); }
        Word(1);
        Word(0); // root: empty name, padded
        for (int i = 0; i < depth; i++)
        {
            Word(1);
            structure.AddRange("n\0\0\0"u8.ToArray());
        }
        for (int i = 0; i <= depth; i++)
            Word(2);
        Word(9);
        const int header = 40, reservations = 16;
        var blob = new byte[header + reservations + structure.Count];
        void Put(int at, uint value) => BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(at), value);
        Put(0, FdtReader.Magic);
        Put(4, (uint)blob.Length);
        Put(8, header + reservations);
        Put(12, (uint)blob.Length);
        Put(16, header);
        Put(20, 17);
        Put(24, 16);
        Put(32, 0);
        Put(36, (uint)structure.Count);
        structure.CopyTo(blob, header + reservations);
        return blob;
    }

    /// <summary>A snapshot tar: its files' contents edited (as text or bytes), files dropped or added, or the tar headers damaged.</summary>
    public byte[] Snapshot(byte[] seed)
    {
        if (m.Chance(0.6))
        {
            var snapshot = SystemSnapshot.ReadTar(new MemoryStream(seed), "seed");
            var files = snapshot.Paths.ToDictionary(p => p, p => snapshot.TryRead(p)!);
            int rounds = 1 + m.Next(3);
            for (int i = 0; i < rounds; i++)
            {
                string path = m.Pick(files.Keys.ToList());
                switch (m.Next(5))
                {
                    case 0:
                        files.Remove(path);
                        break;
                    case 1:
                        files[m.Pick(new[] { "../../x", "/abs/x", "proc//iomem", "./proc/cmdline", "sys/" + new string('p', 90) + "/x" })] = files[path];
                        break;
                    case 2:
                        files[path] = m.MutateBytes(files[path]);
                        break;
                    default:
                        files[path] = Mutator.Utf8(m.MutateText(Encoding.UTF8.GetString(files[path])));
                        break;
                }
            }
            return new SystemSnapshot("fuzz", files).ToTar();
        }
        byte[] tar = (byte[])seed.Clone();
        int blocks = tar.Length / 512;
        if (blocks == 0)
            return m.MutateBytes(tar);
        int block = m.Next(blocks) * 512;
        switch (m.Next(4))
        {
            case 0:
                tar[block + 156] = (byte)m.Pick("0125634xgLKS7"u8.ToArray());
                break;
            case 1:
                Encoding.ASCII.GetBytes(Convert.ToString((long)(m.InterestingNumber() & 0x1ffffffff), 8).PadLeft(11, '0')[..11]).CopyTo(tar, block + 124);
                break;
            case 2:
                Encoding.ASCII.GetBytes("../../escaped\0").CopyTo(tar, block);
                break;
            default:
                return m.MutateBytes(tar);
        }
        return tar;
    }

    /// <summary>A console log: edited FATAL lines, numbers at their limits, line noise.</summary>
    public string Log(string seed)
    {
        string text = m.MutateText(seed, seeds.Logs.Select(l => l.Text).ToList());
        if (m.Chance(0.1))
        {
            var noise = new byte[m.Next(4096)];
            m.Random.NextBytes(noise);
            text += Encoding.Latin1.GetString(noise);
        }
        if (m.Chance(0.05))
            text += "\nFATAL: Invalid MMIO/RAM write, addr: 0x" + new string('f', 1000) + " size: 4";
        return text;
    }
}
