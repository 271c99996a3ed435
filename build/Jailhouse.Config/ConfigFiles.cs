using System.Diagnostics.CodeAnalysis;
using Jailhouse.Config.Binary;
using Jailhouse.Config.Model;
using Jailhouse.Config.Yaml;

namespace Jailhouse.Config;

/// <summary>Loads a configuration from either format.</summary>
public static class ConfigFiles
{
    public const string YamlSwitch = "Jailhouse.Config.Yaml";

    /// <summary>
    /// Whether YAML configurations are read. The CLI's target flavour turns this off: targets carry
    /// compiled .cell files, and without the YAML reader the binary is megabytes smaller.
    /// </summary>
    [FeatureSwitchDefinition(YamlSwitch)]
    public static bool ReadsYaml => !AppContext.TryGetSwitch(YamlSwitch, out bool enabled) || enabled;

    /// <summary>Reads a binary config (recognised by its signature) or a YAML one.</summary>
    public static JailhouseConfig Load(string path, out IReadOnlyList<ConfigWarning> warnings) =>
        Parse(InputFiles.Read(path, InputLimit.Configuration), path, out warnings);

    /// <summary>A configuration's bytes as read from <paramref name="path"/>, in either format.</summary>
    public static JailhouseConfig Parse(byte[] bytes, string path, out IReadOnlyList<ConfigWarning> warnings)
    {
        if (IsBinary(bytes))
            return ConfigBinaryReader.Read(bytes, path, out warnings);
        warnings = [];
        if (!ReadsYaml)
            throw new InputException(SourceLocation.AtByte(path, 0),
                "not a Jailhouse binary configuration (no JHSYS/JHCLL signature); this build of jailhouse reads compiled .cell files only: compile YAML with `jailhouse config compile` on the build host");
        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, true).GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new InputException(SourceLocation.AtByte(path, 0),
                "neither a Jailhouse binary configuration (no JHSYS/JHCLL signature) nor UTF-8 YAML text");
        }
        return YamlConfigReader.Read(text, path);
    }

    /// <summary>Binary if it starts with a signature, or with bytes no YAML text has (NUL or control bytes).</summary>
    public static bool IsBinary(ReadOnlySpan<byte> bytes)
    {
        if (ConfigBinaryReader.HasSignature(bytes))
            return true;
        var head = bytes[..Math.Min(bytes.Length, 8)];
        foreach (byte b in head)
            if (b < 0x20 && b is not (byte)'\n' and not (byte)'\r' and not (byte)'\t')
                return true;
        return false;
    }
}
