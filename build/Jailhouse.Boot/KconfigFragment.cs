using Jailhouse.Config;

namespace Jailhouse.Boot;

/// <summary>
/// A Kconfig fragment or .config: `CONFIG_X=value` lines and `# CONFIG_X is not set` lines
/// (value "n"); other comments and blank lines are ignored. Later lines win.
/// </summary>
public static class KconfigFragment
{
    public sealed record Setting(string Option, string Value, SourceLocation Origin);

    public static List<Setting> ReadFile(string path) => Read(File.ReadAllText(path), path);

    public static List<Setting> Read(string text, string file)
    {
        var settings = new List<Setting>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r').Trim();
            var where = new SourceLocation(file, i + 1, 1);
            if (line.Length == 0)
                continue;
            if (line.StartsWith("# CONFIG_", StringComparison.Ordinal) && line.EndsWith(" is not set", StringComparison.Ordinal))
            {
                settings.Add(new Setting(line[2..^" is not set".Length], "n", where));
                continue;
            }
            if (line.StartsWith('#'))
                continue;
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (!line.StartsWith("CONFIG_", StringComparison.Ordinal) || equals < 0 || line[..equals].Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_')))
                throw new InputException(where, $"expected CONFIG_NAME=value or \"# CONFIG_NAME is not set\", found \"{line}\"");
            settings.Add(new Setting(line[..equals], line[(equals + 1)..], where));
        }
        return settings;
    }

    /// <summary>The final value of every option (absent options count as "n").</summary>
    public static Dictionary<string, string> Values(IEnumerable<Setting> settings)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in settings)
            values[setting.Option] = setting.Value;
        return values;
    }
}
