using System.Security.Cryptography;
using System.Text;

namespace Jailhouse.Images;

/// <summary>
/// What makes outputs reproducible: the one timestamp (SOURCE_DATE_EPOCH, else 0) and identifiers
/// derived from names instead of randomness.
/// </summary>
public static class Reproducible
{
    /// <summary>SOURCE_DATE_EPOCH when set (and valid), else the Unix epoch: never the wall clock.</summary>
    public static DateTimeOffset Timestamp()
    {
        string? epoch = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        return long.TryParse(epoch, out long seconds) && seconds >= 0
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.UnixEpoch;
    }

    /// <summary>A GUID derived from names (SHA-256 of the joined parts), marked as RFC 4122 version 5 style.</summary>
    public static Guid GuidFrom(params string[] parts)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\0", parts)));
        Span<byte> bytes = hash.AsSpan(0, 16);
        // Guid's byte layout is the mixed-endian one GPT stores: byte 7 holds the version nibble.
        bytes[7] = (byte)((bytes[7] & 0x0f) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80);
        return new Guid(bytes);
    }

    /// <summary>A 32-bit identifier (FAT volume serial, MBR disk signature) derived from names.</summary>
    public static uint IdFrom(params string[] parts)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\0", parts)));
        return BitConverter.ToUInt32(hash, 0);
    }
}
