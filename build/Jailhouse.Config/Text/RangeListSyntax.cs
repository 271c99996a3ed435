using System.Text;

namespace Jailhouse.Config.Text;

/// <summary>CPU and interrupt pin sets written as lists and ranges: "0-3,6" (values 0..2^32-1).</summary>
public static class RangeListSyntax
{
    public static bool TryParse(string text, out SortedSet<long> set, out string error)
    {
        set = [];
        error = "";
        string trimmed = text.Trim();
        if (trimmed.Length == 0)
            return true;
        foreach (string part in trimmed.Split(','))
        {
            string p = part.Trim();
            int dash = p.IndexOf('-', StringComparison.Ordinal);
            string lowText = dash < 0 ? p : p[..dash];
            string highText = dash < 0 ? p : p[(dash + 1)..];
            if (!TryNumber(lowText, out long low) || !TryNumber(highText, out long high) || high < low || high - low >= MaxRange)
            {
                error = $"expected a list of numbers and ranges like \"0-3,6\", found \"{text}\"";
                return false;
            }
            for (long i = low; i <= high; i++)
                set.Add(i);
        }
        return true;
    }

    /// <summary>Largest range accepted, so a typo cannot ask for billions of entries.</summary>
    private const long MaxRange = 1 << 16;

    private static bool TryNumber(string text, out long value)
    {
        value = 0;
        if (!NumberSyntax.TryParse(text, out ulong v, out _) || v > (1UL << 33))
            return false;
        value = (long)v;
        return true;
    }

    public static string Format(IEnumerable<long> values)
    {
        var text = new StringBuilder();
        long? start = null, previous = null;
        void Flush()
        {
            if (start is null)
                return;
            if (text.Length > 0)
                text.Append(',');
            text.Append(start == previous ? $"{start}" : $"{start}-{previous}");
        }
        foreach (long v in values.Order())
        {
            if (previous is not null && v == previous + 1)
            {
                previous = v;
                continue;
            }
            Flush();
            start = previous = v;
        }
        Flush();
        return text.ToString();
    }
}
