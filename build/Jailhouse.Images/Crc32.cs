namespace Jailhouse.Images;

/// <summary>CRC-32 (IEEE 802.3, reflected, as GPT and zlib use it).</summary>
public static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xffffffff;
        foreach (byte b in data)
            crc = Table[(crc ^ b) & 0xff] ^ (crc >> 8);
        return ~crc;
    }
}
