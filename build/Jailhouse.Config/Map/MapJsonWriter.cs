using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jailhouse.Config.Map;

/// <summary>
/// The map's data as JSON for other tools: <see cref="SystemMap"/> as it is, camelCase, addresses
/// and sizes as numbers, kinds as names ("ram", "io", "ivshmem", ...). Source-generated, so it
/// needs no reflection (NativeAOT).
/// </summary>
public static class MapJsonWriter
{
    public static byte[] Write(SystemMap map) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(map, Context.SystemMap) + "\n");

    private static readonly MapJsonContext Context = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    });
}

[JsonSerializable(typeof(SystemMap))]
internal sealed partial class MapJsonContext : JsonSerializerContext;
