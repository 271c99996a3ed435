using Jailhouse.Config.Text;
using Jailhouse.Generate;

namespace Jailhouse.Cli;

/// <summary>Option values in the configuration syntax (sizes, ADDRESS+SIZE windows); a bad one is a usage error.</summary>
internal static class OptionValues
{
    public static UsageException Error(string option, string message) => new(option, message);

    public static ulong Size(string text, string option) =>
        NumberSyntax.TryParseSize(text, out ulong value, out string error) ? value : throw Error(option, error);

    /// <summary>A non-zero, page-aligned size (memory the hypervisor maps).</summary>
    public static ulong PageSize(string text, string option) =>
        NumberSyntax.TryParseSize(text, out ulong value, out string error) && value > 0 && value % 0x1000 == 0
            ? value
            : throw Error(option, error.Length > 0 ? error : "expected a non-zero multiple of 4K");

    /// <summary>"ADDRESS+SIZE" with sizes in the configuration syntax.</summary>
    public static AddressRange Window(string text, string option, string example)
    {
        int plus = text.IndexOf('+', StringComparison.Ordinal);
        if (plus < 0 || !NumberSyntax.TryParse(text[..plus], out ulong address, out _) || !NumberSyntax.TryParseSize(text[(plus + 1)..], out ulong size, out _)
            || size == 0 || address + size < address)
            throw Error(option, $"expected ADDRESS+SIZE like {example}, found \"{text}\"");
        return AddressRange.OfSize(address, size);
    }
}
