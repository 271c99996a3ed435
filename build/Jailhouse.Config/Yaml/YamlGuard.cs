using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Jailhouse.Config.Yaml;

/// <summary>
/// Loads YAML text through a parser that refuses what our formats never need and what makes a
/// small file expensive: anchors and aliases (aliases used as keys expand exponentially), merge
/// keys, and nesting deeper than <see cref="MaxDepth"/> (the tree is built recursively). Every
/// exception of the parser becomes a <see cref="InputException"/> at file:line:column.
/// </summary>
public static class YamlGuard
{
    /// <summary>Configurations nest about 6 levels; 64 leaves room and keeps recursion shallow.</summary>
    public const int MaxDepth = 64;

    public static YamlStream Load(string text, string file)
    {
        var parser = new GuardedParser(new Parser(new StringReader(text)), file);
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (InputException)
        {
            throw;
        }
        catch (YamlException e)
        {
            string message = e.InnerException?.Message ?? e.Message;
            // YamlDotNet prefixes its messages with the position; we print our own.
            int close = message.IndexOf("): ", StringComparison.Ordinal);
            if (message.StartsWith('(') && close > 0)
                message = message[(close + 3)..];
            throw new InputException(Where(file, e.Start), $"YAML syntax: {message}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException or IndexOutOfRangeException or NullReferenceException)
        {
            // YamlDotNet throws these for some malformed streams (an unclosed flow collection
            // followed by a block item); the last event it read is as close as we can point.
            throw new InputException(Where(file, parser.LastGood), $"YAML syntax: the document cannot be parsed here ({e.Message})");
        }
        return stream;
    }

    private static SourceLocation Where(string file, Mark mark) =>
        new(file, (int)Math.Clamp(mark.Line, 1, int.MaxValue), (int)Math.Clamp(mark.Column, 1, int.MaxValue));

    private sealed class GuardedParser(IParser inner, string file) : IParser
    {
        private int depth;

        /// <summary>Where the last event that parsed ends.</summary>
        public Mark LastGood { get; private set; } = Mark.Empty;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (!inner.MoveNext())
                return false;
            var current = inner.Current!;
            switch (current)
            {
                case AnchorAlias alias:
                    throw Refuse(current, $"YAML aliases (*{alias.Value}) are not supported: write the value out in full");
                case NodeEvent { Anchor.IsEmpty: false } node:
                    throw Refuse(current, $"YAML anchors (&{node.Anchor}) are not supported: write each value out in full");
                case Scalar { Value: "<<", Style: ScalarStyle.Plain }:
                    throw Refuse(current, "YAML merge keys (<<) are not supported: write the keys out in full");
                case SequenceStart or MappingStart when ++depth > MaxDepth:
                    throw Refuse(current, $"YAML nested deeper than {MaxDepth} levels");
                case SequenceEnd or MappingEnd:
                    depth--;
                    break;
            }
            LastGood = current.End;
            return true;
        }

        private InputException Refuse(ParsingEvent at, string message) => new(Where(file, at.Start), message);
    }
}
