using System.Security.Cryptography;

namespace Jailhouse.Config;

/// <summary>File digests for pins, manifests and reproducibility checks.</summary>
public static class FileHash
{
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
