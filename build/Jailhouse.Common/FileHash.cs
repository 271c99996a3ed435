using System.Security.Cryptography;

namespace Jailhouse;

/// <summary>File digests for pins, manifests and reproducibility checks.</summary>
public static class FileHash
{
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>One digest over several files: the sha256 of their names and digests, in the given order.</summary>
    public static string Sha256Of(IEnumerable<string> paths) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Concat(paths.Select(p => $"{Path.GetFileName(p)} {Sha256(p)}\n")))));
}
