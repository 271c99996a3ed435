using Jailhouse.Config.Binary;
using Jailhouse.Config.Model;
using Jailhouse.Config.Yaml;

namespace Jailhouse.Generate;

/// <summary>Generated configurations as YAML, proven to read back and compile before anyone writes them.</summary>
public static class GeneratedYaml
{
    public static string Write(JailhouseConfig config, string header, string outputName)
    {
        string yaml = YamlConfigWriter.Write(config, header);
        ConfigBinaryWriter.Write(YamlConfigReader.Read(yaml, outputName), outputName);
        return yaml;
    }
}
