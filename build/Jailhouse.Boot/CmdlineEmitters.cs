namespace Jailhouse.Boot;

/// <summary>The consumers of a kernel command line, each with its own quoting.</summary>
public enum CmdlineConsumer
{
    /// <summary>The arguments as the kernel receives them (/proc/cmdline).</summary>
    Raw,
    /// <summary>A `linux` line in grub.cfg: GRUB script escaping ('$' would start a variable).</summary>
    GrubCfg,
    /// <summary>/etc/default/grub: a shell assignment whose value grub-mkconfig pastes into grub.cfg.</summary>
    DefaultGrub,
    /// <summary>U-Boot: `setenv bootargs '...'` (hush expands $ outside single quotes).</summary>
    UBoot,
    /// <summary>An extlinux.conf APPEND line (U-Boot's distro boot, syslinux).</summary>
    Extlinux,
}

/// <summary>Renders kernel arguments for every consumer so that they arrive intact.</summary>
public static class CmdlineEmitters
{
    public static string Emit(CmdlineConsumer consumer, IReadOnlyList<string> arguments) => consumer switch
    {
        CmdlineConsumer.Raw => string.Join(' ', arguments),
        CmdlineConsumer.GrubCfg => string.Join(' ', arguments.Select(GrubConfigWriter.EscapeArgument)),
        // Single quotes keep the shell out; what is inside is pasted into grub.cfg, so it is GRUB-escaped.
        CmdlineConsumer.DefaultGrub => "GRUB_CMDLINE_LINUX_DEFAULT=" + ShellSingleQuote(Emit(CmdlineConsumer.GrubCfg, arguments)),
        CmdlineConsumer.UBoot => "setenv bootargs " + UBootSingleQuote(string.Join(' ', arguments)),
        CmdlineConsumer.Extlinux => "    APPEND " + string.Join(' ', arguments),
        _ => throw new ArgumentOutOfRangeException(nameof(consumer)),
    };

    public static string ShellSingleQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string UBootSingleQuote(string value)
    {
        if (value.Contains('\''))
            throw new ArgumentException("U-Boot's hush cannot quote a single quote inside a single-quoted string");
        return "'" + value + "'";
    }
}
