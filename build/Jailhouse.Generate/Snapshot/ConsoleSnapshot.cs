using System.IO.Compression;
using Jailhouse.Config;

namespace Jailhouse.Generate.Snapshot;

/// <summary>
/// A `jailhouse config collect` archive as bsp/common/tests/snapshot.sh prints it on a serial
/// console: gzip, base64, one "jailhouse-snapshot: " line each between "jailhouse-snapshot:
/// begin" and "jailhouse-snapshot: end" (any prefix before the marker, e.g. timestamps, and
/// interleaved kernel lines are ignored). This is how a board with only a serial line, or
/// Bochs, hands its snapshot to `config create --snapshot`.
/// </summary>
public static class ConsoleSnapshot
{
    private const string Marker = "jailhouse-snapshot: ";

    /// <summary>The tar bytes, or a <see cref="InputException"/> naming the line that is wrong.</summary>
    public static byte[] Extract(string console, string file)
    {
        var base64 = new System.Text.StringBuilder();
        int state = 0; // 0 before begin, 1 inside, 2 after end
        int lineNumber = 0;
        int beginLine = 0;
        foreach (string raw in console.Split('\n'))
        {
            lineNumber++;
            int at = raw.IndexOf(Marker, StringComparison.Ordinal);
            if (at < 0)
                continue;
            string payload = raw[(at + Marker.Length)..].TrimEnd('\r', ' ');
            if (payload == "begin")
            {
                state = 1;
                beginLine = lineNumber;
                base64.Clear();
            }
            else if (payload == "end" && state == 1)
            {
                state = 2;
            }
            else if (state == 1)
            {
                base64.Append(payload);
            }
        }
        if (state == 0)
            throw new InputException(new SourceLocation(file, 0, 0), "expected a snapshot between \"jailhouse-snapshot: begin\" and \"end\" lines (bsp/common/tests/snapshot.sh prints one)");
        if (state == 1)
            throw new InputException(new SourceLocation(file, beginLine, 1), "the snapshot has no \"jailhouse-snapshot: end\" line: the console log is cut off");
        byte[] compressed;
        try
        {
            compressed = Convert.FromBase64String(base64.ToString());
        }
        catch (FormatException)
        {
            throw new InputException(new SourceLocation(file, beginLine, 1), "expected base64 lines after \"jailhouse-snapshot: begin\"");
        }
        try
        {
            using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            throw new InputException(new SourceLocation(file, beginLine, 1), "expected a gzip stream in the snapshot lines");
        }
    }
}
