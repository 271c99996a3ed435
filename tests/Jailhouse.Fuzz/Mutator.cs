using System.Text;

namespace Jailhouse.Fuzz;

/// <summary>
/// Seeded mutations, byte-level and text-level, that the format-aware mutators build on. Every
/// choice comes from one <see cref="Random"/>, so a seed reproduces a run.
/// </summary>
public sealed class Mutator(Random random)
{
    public Random Random { get; } = random;

    public int Next(int max) => Random.Next(max);
    public bool Chance(double p) => Random.NextDouble() < p;
    public T Pick<T>(IReadOnlyList<T> items) => items[Random.Next(items.Count)];

    private static readonly ulong[] InterestingNumbers =
        [0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 0x3ff, 0x400, 0xfff, 0x1000, 0x7fff, 0x8000, 0xffff, 0x10000,
         0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff, 0x100000000, 0x7fffffffffffffff, 0x8000000000000000, 0xfffffffffffff000, ulong.MaxValue];

    public ulong InterestingNumber() => Chance(0.8) ? Pick(InterestingNumbers) : (ulong)Random.NextInt64() * (ulong)(Random.Next(2) + 1);

    private static readonly string[] InterestingTokens =
    [
        "", " ", "0", "-1", "0x", "0xffffffffffffffff", "0x10000000000000000", "18446744073709551616", "99999999999999999999999",
        "4K", "64Q", "1T", "16E", "0-", "3-1", "0-4294967295", "1,,2", "~", "null", "true", "[]", "{}", "[", "{", "]", "}", "- ",
        "&a", "*a", "<<", "!!binary AAAA", "!custom x", "\"", "'", "\\", "\t", "\0", "\u00e9", "\ud83d\ude00", "%", "@", "`", "|", ">",
        "#", ": ", "? ", "00:1f.2", "ff:ff.7", "0000:00:00.0", "10000:00:00.0", "serial0", "/", "//", "../../x", new string('a', 300),
        new string('9', 100), "0x" + new string('f', 40),
    ];

    public string InterestingToken() => Pick(InterestingTokens);

    /// <summary>A byte-level mutation of <paramref name="data"/>: bits, bytes, numbers at aligned offsets, ranges, splices.</summary>
    public byte[] MutateBytes(byte[] data, IReadOnlyList<byte[]>? splice = null)
    {
        var bytes = new List<byte>(data);
        int rounds = 1 + Next(Chance(0.2) ? 16 : 4);
        for (int r = 0; r < rounds; r++)
        {
            int length = bytes.Count;
            switch (Next(10))
            {
                case 0 when length > 0:
                    bytes[Next(length)] ^= (byte)(1 << Next(8));
                    break;
                case 1 when length > 0:
                    bytes[Next(length)] = (byte)Pick(InterestingNumbers);
                    break;
                case 2 or 3 when length >= 4:
                {
                    // Counts, sizes and offsets are aligned words: hit them with boundary values.
                    int width = Pick(new[] { 2, 4, 8 });
                    if (length < width)
                        break;
                    int at = Next(length - width + 1) & ~(width - 1);
                    ulong value = InterestingNumber();
                    bool bigEndian = Chance(0.5);
                    for (int i = 0; i < width; i++)
                        bytes[at + i] = (byte)(value >> (8 * (bigEndian ? width - 1 - i : i)));
                    break;
                }
                case 4 when length > 0:
                {
                    int at = Next(length);
                    bytes.RemoveRange(at, Math.Min(length - at, 1 + Next(64)));
                    break;
                }
                case 5:
                {
                    int at = Next(length + 1);
                    var extra = new byte[1 + Next(32)];
                    Random.NextBytes(extra);
                    bytes.InsertRange(at, extra);
                    break;
                }
                case 6 when length > 0:
                {
                    int start = Next(length), count = Math.Min(length - start, 1 + Next(256));
                    bytes.InsertRange(Next(length + 1), bytes.GetRange(start, count));
                    break;
                }
                case 7 when length > 0:
                {
                    int cut = Next(length);
                    bytes.RemoveRange(cut, length - cut);
                    break;
                }
                case 8 when splice is { Count: > 0 }:
                {
                    var other = Pick(splice);
                    if (other.Length == 0)
                        break;
                    int start = Next(other.Length), count = Math.Min(other.Length - start, 1 + Next(512));
                    int at = Next(length + 1);
                    bytes.RemoveRange(at, Math.Min(count, length - at));
                    bytes.InsertRange(at, other.AsSpan(start, count).ToArray());
                    break;
                }
                default:
                    if (length > 0)
                        bytes[Next(length)] = (byte)Next(256);
                    break;
            }
        }
        return [.. bytes];
    }

    /// <summary>A line- and token-level mutation of text (YAML, logs, /proc files).</summary>
    public string MutateText(string text, IReadOnlyList<string>? splice = null)
    {
        var lines = text.Split('\n').ToList();
        int rounds = 1 + Next(Chance(0.2) ? 8 : 3);
        for (int r = 0; r < rounds; r++)
        {
            int n = lines.Count;
            int i = Next(n);
            switch (Next(9))
            {
                case 0 when n > 1:
                    lines.RemoveAt(i);
                    break;
                case 1:
                    lines.Insert(Next(n + 1), lines[i]);
                    break;
                case 2:
                {
                    int j = Next(n);
                    (lines[i], lines[j]) = (lines[j], lines[i]);
                    break;
                }
                case 3:
                    lines[i] = Chance(0.5) ? "  " + lines[i] : lines[i].TrimStart();
                    break;
                case 4 or 5:
                    lines[i] = ReplaceToken(lines[i]);
                    break;
                case 6:
                {
                    string line = lines[i];
                    int at = Next(line.Length + 1);
                    lines[i] = line[..at] + InterestingToken() + line[at..];
                    break;
                }
                case 7 when splice is { Count: > 0 }:
                {
                    var other = Pick(splice).Split('\n');
                    lines.Insert(Next(n + 1), other[Next(other.Length)]);
                    break;
                }
                default:
                {
                    // Cut the text somewhere: truncated files are the commonest accident.
                    string joined = string.Join('\n', lines);
                    return joined[..Next(joined.Length + 1)];
                }
            }
        }
        return string.Join('\n', lines);
    }

    private string ReplaceToken(string line)
    {
        var parts = line.Split(' ');
        int k = Next(parts.Length);
        string part = parts[k];
        parts[k] = Next(4) switch
        {
            0 => InterestingToken(),
            1 => "0x" + InterestingNumber().ToString("x"),
            2 => InterestingNumber().ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => part.Length > 1 ? part[..Next(part.Length)] : InterestingToken(),
        };
        return string.Join(' ', parts);
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
