namespace Jailhouse.Debian;

/// <summary>
/// Debian package versions, "[EPOCH:]UPSTREAM[-REVISION]", ordered as dpkg orders them (Debian
/// policy 5.6.12): the epoch numerically, then upstream and revision by alternating non-digit runs
/// (letters before non-letters, '~' before everything, even the end) and digit runs (numerically).
/// Ordering here, in-process, keeps resolving a lock from starting one dpkg per comparison.
/// </summary>
public static class DebianVersion
{
    /// <summary>The upstream part: no epoch, no Debian revision (6.1.192 of 6.1.192-3).</summary>
    public static string Upstream(string version)
    {
        var (_, upstream, _) = Split(version);
        return upstream;
    }

    public static int Compare(string a, string b)
    {
        var (epochA, upstreamA, revisionA) = Split(a);
        var (epochB, upstreamB, revisionB) = Split(b);
        int byEpoch = epochA.CompareTo(epochB);
        if (byEpoch != 0)
            return byEpoch;
        int byUpstream = ComparePart(upstreamA, upstreamB);
        return byUpstream != 0 ? byUpstream : ComparePart(revisionA, revisionB);
    }

    /// <summary>Orders strings by <see cref="Compare"/>.</summary>
    public static IComparer<string> Comparer { get; } = Comparer<string>.Create(Compare);

    private static (long Epoch, string Upstream, string Revision) Split(string version)
    {
        long epoch = 0;
        int colon = version.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && long.TryParse(version.AsSpan(0, colon), out long parsed))
        {
            epoch = parsed;
            version = version[(colon + 1)..];
        }
        int dash = version.LastIndexOf('-');
        return dash > 0 ? (epoch, version[..dash], version[(dash + 1)..]) : (epoch, version, "");
    }

    private static int ComparePart(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            // A run of non-digits, character by character in dpkg's order.
            while ((i < a.Length && !char.IsAsciiDigit(a[i])) || (j < b.Length && !char.IsAsciiDigit(b[j])))
            {
                int orderA = Order(a, i), orderB = Order(b, j);
                if (orderA != orderB)
                    return orderA.CompareTo(orderB);
                i++;
                j++;
            }
            // A run of digits, numerically (leading zeros do not count).
            while (i < a.Length && a[i] == '0')
                i++;
            while (j < b.Length && b[j] == '0')
                j++;
            int startA = i, startB = j;
            while (i < a.Length && char.IsAsciiDigit(a[i]))
                i++;
            while (j < b.Length && char.IsAsciiDigit(b[j]))
                j++;
            int lengthA = i - startA, lengthB = j - startB;
            if (lengthA != lengthB)
                return lengthA.CompareTo(lengthB);
            int digits = string.CompareOrdinal(a, startA, b, startB, lengthA);
            if (digits != 0)
                return Math.Sign(digits);
        }
        return 0;
    }

    /// <summary>dpkg's weight of the character at <paramref name="index"/> inside a non-digit run.</summary>
    private static int Order(string s, int index)
    {
        if (index >= s.Length || char.IsAsciiDigit(s[index]))
            return 0;
        char c = s[index];
        if (c == '~')
            return -1;
        return char.IsAsciiLetter(c) ? c : c + 256;
    }
}
