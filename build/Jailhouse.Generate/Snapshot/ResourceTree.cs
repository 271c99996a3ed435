using System.Globalization;
using Jailhouse.Config;

namespace Jailhouse.Generate.Snapshot;

/// <summary>One line of /proc/iomem or /proc/ioports: an inclusive range, its owner's name, and the ranges nested in it.</summary>
public sealed class ResourceNode
{
    public ulong Start { get; init; }
    /// <summary>Inclusive, as the kernel prints it.</summary>
    public ulong End { get; init; }
    public string Name { get; init; } = "";
    /// <summary>0 for top-level lines (no indentation).</summary>
    public int Depth { get; init; }
    public ResourceNode? Parent { get; internal set; }
    public List<ResourceNode> Children { get; } = [];
    public int Line { get; init; }

    public ulong Size => End - Start + 1;

    public bool Contains(ulong address) => address >= Start && address <= End;

    public override string ToString() => $"{Start:x}-{End:x} : {Name}";
}

/// <summary>
/// The kernel's resource tree as /proc/iomem and /proc/ioports print it: "start-end : name", hex,
/// nested entries indented by two spaces per level.
/// </summary>
public sealed class ResourceTree
{
    public List<ResourceNode> Roots { get; } = [];

    public static ResourceTree Parse(string text, SourceLocation file)
    {
        var tree = new ResourceTree();
        var open = new List<ResourceNode>(); // open[d] = the last node seen at depth d
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0)
                continue;
            int indent = line.Length - line.TrimStart(' ').Length;
            var at = file with { Line = i + 1, Column = indent + 1 };
            // The separator comes after the range; one inside the indentation ("  : x") is no range at all.
            int separator = line.IndexOf(" : ", indent, StringComparison.Ordinal);
            if (separator < 0)
                throw new InputException(at, $"expected \"START-END : NAME\", found \"{line.Trim()}\"");
            string range = line[indent..separator].Trim();
            int dash = range.IndexOf('-');
            if (dash <= 0
                || !ulong.TryParse(range.AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong start)
                || !ulong.TryParse(range.AsSpan(dash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong end)
                || end < start)
                throw new InputException(at, $"expected a hexadecimal range START-END with START <= END, found \"{range}\"");
            int depth = Math.Min(indent / 2, open.Count);
            var node = new ResourceNode { Start = start, End = end, Name = line[(separator + 3)..].Trim(), Depth = depth, Line = i + 1 };
            if (depth == 0)
            {
                tree.Roots.Add(node);
            }
            else
            {
                node.Parent = open[depth - 1];
                node.Parent.Children.Add(node);
            }
            if (open.Count > depth)
                open.RemoveRange(depth, open.Count - depth);
            open.Add(node);
        }
        return tree;
    }

    public IEnumerable<ResourceNode> All()
    {
        var stack = new Stack<ResourceNode>(Enumerable.Reverse(Roots));
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            for (int i = node.Children.Count - 1; i >= 0; i--)
                stack.Push(node.Children[i]);
        }
    }

    public IEnumerable<ResourceNode> Leaves() => All().Where(n => n.Children.Count == 0);

    /// <summary>The nodes containing <paramref name="address"/>, outermost first (empty if none does).</summary>
    public List<ResourceNode> PathTo(ulong address)
    {
        var path = new List<ResourceNode>();
        var level = Roots;
        while (level.FirstOrDefault(n => n.Contains(address)) is { } node)
        {
            path.Add(node);
            level = node.Children;
        }
        return path;
    }
}
