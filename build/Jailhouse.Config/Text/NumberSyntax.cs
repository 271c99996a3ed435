using System.Globalization;

namespace Jailhouse.Config.Text;

/// <summary>
/// Numbers as people write them in configurations: decimal, 0x hex, 0b binary, '_' separators, and
/// for sizes a binary unit suffix (K, M, G, T, optionally followed by "iB" or "B").
/// </summary>
public static class NumberSyntax
{
    private static readonly (string Suffix, int Shift)[] Units =
    [
        ("KiB", 10), ("MiB", 20), ("GiB", 30), ("TiB", 40),
        ("KB", 10), ("MB", 20), ("GB", 30), ("TB", 40),
        ("K", 10), ("M", 20), ("G", 30), ("T", 40),
    ];

    /// <summary>Parses a plain number; returns an error text (what was expected) on failure.</summary>
    public static bool TryParse(string text, out ulong value, out string error)
    {
        value = 0;
        string t = text.Trim().Replace("_", "", StringComparison.Ordinal);
        bool ok;
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            ok = t.Length > 2 && ulong.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        else if (t.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
            ok = t.Length > 2 && TryParseBinary(t.AsSpan(2), out value);
        else
            ok = t.Length > 0 && t.All(char.IsAsciiDigit) && ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        error = ok ? "" : $"expected a number (decimal, 0x hex or 0b binary), found \"{text}\"";
        return ok;
    }

    /// <summary>Parses a size: a number with an optional binary unit ("64M", "4K", "0x4000000", "1GiB").</summary>
    public static bool TryParseSize(string text, out ulong value, out string error)
    {
        string t = text.Trim();
        foreach (var (suffix, shift) in Units)
        {
            if (t.Length > suffix.Length && t.EndsWith(suffix, StringComparison.Ordinal) && char.IsAsciiHexDigit(t[^(suffix.Length + 1)]))
            {
                string mantissa = t[..^suffix.Length];
                if (!TryParse(mantissa, out ulong count, out _) || mantissa.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                    break;
                if (count > ulong.MaxValue >> shift)
                {
                    value = 0;
                    error = $"size \"{text}\" does not fit 64 bits";
                    return false;
                }
                value = count << shift;
                error = "";
                return true;
            }
        }
        if (TryParse(t, out value, out _))
        {
            error = "";
            return true;
        }
        error = $"expected a size: a number with an optional unit K, M, G or T (e.g. 64M, 4K, 0x4000000), found \"{text}\"";
        return false;
    }

    private static bool TryParseBinary(ReadOnlySpan<char> digits, out ulong value)
    {
        value = 0;
        if (digits.Length > 64)
            return false;
        foreach (char c in digits)
        {
            if (c is not ('0' or '1'))
                return false;
            value = (value << 1) | (c == '1' ? 1UL : 0UL);
        }
        return true;
    }

    public static string Hex(ulong value) => value == 0 ? "0" : $"0x{value:x}";

    /// <summary>
    /// A size with the largest unit that divides it exactly while the count stays below 1024
    /// ("4K", "64M", "1G"); other sizes in hex.
    /// </summary>
    public static string Size(ulong value)
    {
        if (value == 0)
            return "0";
        foreach (var (suffix, shift) in new[] { ("T", 40), ("G", 30), ("M", 20), ("K", 10) })
        {
            ulong unit = 1UL << shift;
            if (value % unit == 0 && value / unit < 1024)
                return $"{value / unit}{suffix}";
        }
        return Hex(value);
    }
}
