using System.Text;

namespace Jailhouse.Boot;

/// <summary>
/// grub.cfg for booting a kernel. Kernel arguments are GRUB script words: '$' would start a
/// variable ("memmap=66M$0x3b000000" arrives as "memmap=66Mx3b000000"), so it and GRUB's other
/// special characters are escaped with a backslash.
/// </summary>
public static class GrubConfigWriter
{
    private const string Special = "\\$\"';|&<>(){}# \t";

    public static string EscapeArgument(string argument)
    {
        var escaped = new StringBuilder();
        foreach (char c in argument)
        {
            if (Special.Contains(c))
                escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    public static string Write(string title, string kernel, string? initrd, string? deviceTree, IEnumerable<string> arguments)
    {
        var cfg = new StringBuilder();
        cfg.Append("set timeout=0\nset default=0\n\n");
        cfg.Append($"menuentry \"{title.Replace("\"", "", StringComparison.Ordinal)}\" {{\n");
        cfg.Append($"    linux {kernel}");
        foreach (string argument in arguments)
            cfg.Append(' ').Append(EscapeArgument(argument));
        cfg.Append('\n');
        if (initrd is not null)
            cfg.Append($"    initrd {initrd}\n");
        if (deviceTree is not null)
            cfg.Append($"    devicetree {deviceTree}\n");
        cfg.Append("}\n");
        return cfg.ToString();
    }
}
