using System.Text;
using System.Text.Json;
using Jailhouse.Config;

namespace Jailhouse.Images;

/// <summary>
/// The release manifest: SOURCE_DATE_EPOCH, the versions of the tools that shaped the bytes, every
/// pinned input package (name, version, architecture, sha256) and every artifact (path, size,
/// sha256), all in ordinal order, as JSON.
/// </summary>
public static class ReleaseManifest
{
    public sealed record Input(string Name, string Version, string Architecture, string Sha256);

    public static string Write(string artifactsRoot, IEnumerable<string> artifactFiles, IEnumerable<Input> inputs,
        IEnumerable<(string Tool, string Version)> tools, DateTimeOffset timestamp)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("source_date_epoch", timestamp.ToUnixTimeSeconds());
            json.WriteStartObject("tools");
            foreach (var (tool, version) in tools.OrderBy(t => t.Tool, StringComparer.Ordinal))
                json.WriteString(tool, version);
            json.WriteEndObject();
            json.WriteStartArray("inputs");
            foreach (var input in inputs.OrderBy(i => i.Name, StringComparer.Ordinal).ThenBy(i => i.Architecture, StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("name", input.Name);
                json.WriteString("version", input.Version);
                json.WriteString("architecture", input.Architecture);
                json.WriteString("sha256", input.Sha256);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("artifacts");
            foreach (string file in artifactFiles.Select(Path.GetFullPath).Distinct().Order(StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("path", Path.GetRelativePath(artifactsRoot, file).Replace('\\', '/'));
                json.WriteNumber("size", new FileInfo(file).Length);
                json.WriteString("sha256", FileHash.Sha256(file));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>The first line a tool prints for its version (e.g. "mke2fs 1.47.0 (5-Feb-2023)").</summary>
    public static string ToolVersion(string program, params string[] arguments)
    {
        try
        {
            var result = ExternalTool.Run(program, arguments);
            return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "unknown";
        }
        catch (InvalidOperationException)
        {
            return "not installed";
        }
    }
}
