using System.Globalization;

namespace Jailhouse.Generate.Snapshot;

/// <summary>A memmap=SIZE$START reservation: RAM Linux leaves alone.</summary>
public sealed record MemmapReservation(ulong Start, ulong Size, string Argument)
{
    public ulong End => Start + Size;
}

/// <summary>The parts of /proc/cmdline the generator cares about.</summary>
public static class KernelCommandLine
{
    /// <summary>Every memmap=SIZE$START argument, in command-line order (other memmap= forms are skipped).</summary>
    public static List<MemmapReservation> Reservations(string cmdline)
    {
        var found = new List<MemmapReservation>();
        foreach (string argument in cmdline.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (argument == "--")
                break;   // what follows belongs to init
            if (!argument.StartsWith("memmap=", StringComparison.Ordinal))
                continue;
            // The kernel also accepts several comma-separated ranges in one argument.
            foreach (string range in argument["memmap=".Length..].Split(','))
            {
                int dollar = range.IndexOf('$');
                if (dollar > 0 && TryParseMemory(range[..dollar], out ulong size) && TryParseMemory(range[(dollar + 1)..], out ulong start))
                    found.Add(new MemmapReservation(start, size, $"memmap={range}"));
            }
        }
        return found;
    }

    /// <summary>The kernel's memparse(): a C number (0x hex, leading-0 octal, decimal) with an optional K/M/G/T/P/E suffix.</summary>
    public static bool TryParseMemory(string text, out ulong value)
    {
        value = 0;
        string t = text.Trim();
        int shift = 0;
        if (t.Length > 0 && char.ToUpperInvariant(t[^1]) is var unit && "KMGTPE".Contains(unit, StringComparison.Ordinal))
        {
            shift = 10 * ("KMGTPE".IndexOf(unit, StringComparison.Ordinal) + 1);
            t = t[..^1];
        }
        bool ok;
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            ok = ulong.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }
        else if (t.Length > 1 && t[0] == '0')
        {
            ok = t.All(c => c is >= '0' and <= '7');
            if (ok)
                foreach (char c in t)
                    value = value * 8 + (ulong)(c - '0');
        }
        else
        {
            ok = t.Length > 0 && t.All(char.IsAsciiDigit) && ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }
        if (!ok || (shift > 0 && value > ulong.MaxValue >> shift))
            return false;
        value <<= shift;
        return true;
    }

    /// <summary>How to write a reservation on the kernel command line (hex, sizes in M when they are whole MiB).</summary>
    public static string Format(ulong start, ulong size) =>
        size % (1 << 20) == 0 ? $"memmap={size >> 20}M${Hex(start)}" : $"memmap={Hex(size)}${Hex(start)}";

    private static string Hex(ulong value) => $"0x{value:x}";
}
