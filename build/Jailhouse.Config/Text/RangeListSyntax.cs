using System.Text;

namespace Jailhouse.Config.Text;

/// <summary>CPU and pin sets written as lists and ranges: "0-3,6".</summary>
public static class RangeListSyntax
{
    public static bool TryParse(string text, out SortedSet<int> set, out string error)
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
            if (!TryNumber(lowText, out int low) || !TryNumber(highText, out int high) || high < low)
            {
                error = $"expected a list of numbers and ranges like \"0-3,6\", found \"{text}\"";
                return false;
            }
            for (int i = low; i <= high; i++)
                set.Add(i);
        }
        return true;
    }

    private static bool TryNumber(string text, out int value)
    {
        value = 0;
        if (!NumberSyntax.TryParse(text, out ulong v, out _) || v > int.MaxValue)
            return false;
        value = (int)v;
        return true;
    }

    public static string Format(IEnumerable<int> values)
    {
        var text = new StringBuilder();
        int? start = null, previous = null;
        void Flush()
        {
            if (start is null)
                return;
            if (text.Length > 0)
                text.Append(',');
            text.Append(start == previous ? $"{start}" : $"{start}-{previous}");
        }
        foreach (int v in values.Order())
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
