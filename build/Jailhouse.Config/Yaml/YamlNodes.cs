using Jailhouse.Config.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Jailhouse.Config.Yaml;

/// <summary>
/// Typed access to a parsed YAML tree with errors that name file:line:column and what was expected.
/// </summary>
public sealed class YamlNodes(string file)
{
    public string File { get; } = file;

    /// <summary>Parses exactly one YAML document (see <see cref="YamlGuard"/>); syntax errors become ConfigExceptions with line:column.</summary>
    public static YamlNode ParseDocument(string text, string file)
    {
        var stream = YamlGuard.Load(text, file);
        if (stream.Documents.Count != 1)
            throw new InputException(new SourceLocation(file, 1, 1),
                $"expected exactly one YAML document, found {stream.Documents.Count}");
        return stream.Documents[0].RootNode;
    }

    public SourceLocation Where(YamlNode node) => new(File, (int)node.Start.Line, (int)node.Start.Column);

    public InputException Error(YamlNode node, string message) => new(Where(node), message);

    public Fields Map(YamlNode node, string context)
    {
        if (node is not YamlMappingNode mapping)
            throw Error(node, $"expected a mapping (key: value lines) for {context}");
        return new Fields(this, mapping, context);
    }

    public IReadOnlyList<YamlNode> List(YamlNode node, string context)
    {
        if (node is YamlSequenceNode sequence)
            return sequence.Children.ToList();
        if (node is YamlScalarNode { Value: "" or null })
            return [];
        throw Error(node, $"expected a list for {context}");
    }

    public string Scalar(YamlNode node, string context)
    {
        if (node is not YamlScalarNode scalar)
            throw Error(node, $"expected a single value for {context}");
        return scalar.Value ?? "";
    }

    public ulong Number(YamlNode node, string context, ulong max = ulong.MaxValue)
    {
        string text = Scalar(node, context);
        if (!NumberSyntax.TryParse(text, out ulong value, out string error))
            throw Error(node, $"{context}: {error}");
        return Check(node, context, value, max);
    }

    public ulong Size(YamlNode node, string context, ulong max = ulong.MaxValue)
    {
        string text = Scalar(node, context);
        if (!NumberSyntax.TryParseSize(text, out ulong value, out string error))
            throw Error(node, $"{context}: {error}");
        return Check(node, context, value, max);
    }

    private ulong Check(YamlNode node, string context, ulong value, ulong max)
    {
        if (value > max)
            throw Error(node, $"{context}: {NumberSyntax.Hex(value)} is too large, at most {NumberSyntax.Hex(max)} fits");
        return value;
    }

    public bool Bool(YamlNode node, string context)
    {
        string text = Scalar(node, context);
        return text switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw Error(node, $"{context}: expected true or false, found \"{text}\""),
        };
    }

    public ulong Named(YamlNode node, NameTable table, string context)
    {
        string text = Scalar(node, context);
        if (!table.TryParse(text, out ulong value, out string error))
            throw Error(node, $"{context}: {error}");
        return value;
    }

    /// <summary>Flags as a list of names (or numbers), or a single name.</summary>
    public ulong Flags(YamlNode node, NameTable table, string context)
    {
        IEnumerable<YamlNode> items = node is YamlSequenceNode ? List(node, context) : [node];
        ulong value = 0;
        foreach (var item in items)
        {
            if (item is YamlScalarNode { Value: "" or null } && node is not YamlSequenceNode)
                continue;
            value |= Named(item, table, context);
        }
        return value;
    }

    /// <summary>A set written "0-3,6", as a single number, or as a YAML list of numbers and ranges.</summary>
    public SortedSet<long> RangeList(YamlNode node, string context)
    {
        IEnumerable<YamlNode> items = node is YamlSequenceNode ? List(node, context) : [node];
        var set = new SortedSet<long>();
        foreach (var item in items)
        {
            string text = Scalar(item, context);
            if (!RangeListSyntax.TryParse(text, out var part, out string error))
                throw Error(item, $"{context}: {error}");
            set.UnionWith(part);
        }
        return set;
    }
}

/// <summary>The keys of one YAML mapping; reports unknown and missing keys.</summary>
public sealed class Fields
{
    private readonly YamlNodes nodes;
    private readonly Dictionary<string, (YamlNode Key, YamlNode Value)> entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> known = new(StringComparer.Ordinal);

    internal Fields(YamlNodes nodes, YamlMappingNode mapping, string context)
    {
        this.nodes = nodes;
        Node = mapping;
        Context = context;
        foreach (var (key, value) in mapping.Children)
        {
            string name = nodes.Scalar(key, $"a key of {context}");
            if (entries.TryGetValue(name, out var first))
                throw nodes.Error(key, $"duplicate key \"{name}\" in {context} (first at line {first.Key.Start.Line})");
            entries[name] = (key, value);
        }
    }

    public YamlMappingNode Node { get; }
    public string Context { get; }

    public YamlNode? Optional(string key)
    {
        known.Add(key);
        return entries.TryGetValue(key, out var entry) ? entry.Value : null;
    }

    public YamlNode Required(string key)
    {
        return Optional(key) ?? throw nodes.Error(Node, $"missing required field \"{key}\" in {Context}");
    }

    public bool Has(string key) => entries.ContainsKey(key);

    /// <summary>Call after reading every field: any key not asked for is unknown.</summary>
    public void Done()
    {
        foreach (var (name, entry) in entries)
        {
            if (!known.Contains(name))
                throw nodes.Error(entry.Key,
                    $"unknown field \"{name}\" in {Context}; expected one of: {string.Join(", ", known)}");
        }
    }
}
