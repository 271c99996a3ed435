using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Jailhouse.Images;

/// <summary>
/// Writes the block map bmaptool reads (format 2.0) for a raw image: the mapped (data) blocks as
/// ranges with a sha256 each, and the file's own sha256 computed with that field zeroed.
/// </summary>
public static class BmapWriter
{
    public const int BlockSize = 4096;

    public static string Create(string imagePath)
    {
        long size = new FileInfo(imagePath).Length;
        long blocks = (size + BlockSize - 1) / BlockSize;
        var ranges = BlockRanges(FileExtents.DataExtents(imagePath), blocks);

        var text = new StringBuilder();
        text.Append("<?xml version=\"1.0\" ?>\n");
        text.Append("<!-- Block map of a raw image: copy it with 'bmaptool copy IMAGE DEVICE'. -->\n");
        text.Append("<bmap version=\"2.0\">\n");
        text.Append(CultureInfo.InvariantCulture, $"    <ImageSize> {size} </ImageSize>\n");
        text.Append(CultureInfo.InvariantCulture, $"    <BlockSize> {BlockSize} </BlockSize>\n");
        text.Append(CultureInfo.InvariantCulture, $"    <BlocksCount> {blocks} </BlocksCount>\n");
        text.Append(CultureInfo.InvariantCulture, $"    <MappedBlocksCount> {ranges.Sum(r => r.Last - r.First + 1)} </MappedBlocksCount>\n");
        text.Append("    <ChecksumType> sha256 </ChecksumType>\n");
        text.Append("    <BmapFileChecksum> ").Append('0', 64).Append(" </BmapFileChecksum>\n");
        text.Append("    <BlockMap>\n");
        using (var image = File.OpenRead(imagePath))
        {
            foreach (var (first, last) in ranges)
            {
                string hash = RangeHash(image, first, last, size);
                string span = first == last ? $"{first}" : $"{first}-{last}";
                text.Append(CultureInfo.InvariantCulture, $"        <Range chksum=\"{hash}\"> {span} </Range>\n");
            }
        }
        text.Append("    </BlockMap>\n");
        text.Append("</bmap>\n");

        string zeroed = text.ToString();
        string fileHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(zeroed)));
        return zeroed.Replace(new string('0', 64), fileHash, StringComparison.Ordinal);
    }

    /// <summary>Block ranges (inclusive) touched by the data extents.</summary>
    private static List<(long First, long Last)> BlockRanges(List<(long Offset, long Length)> extents, long blocks)
    {
        var ranges = new List<(long First, long Last)>();
        foreach (var (offset, length) in extents)
        {
            if (length <= 0)
                continue;
            long first = offset / BlockSize;
            long last = Math.Min((offset + length - 1) / BlockSize, blocks - 1);
            if (ranges.Count > 0 && ranges[^1].Last >= first - 1)
                ranges[^1] = (ranges[^1].First, Math.Max(ranges[^1].Last, last));
            else
                ranges.Add((first, last));
        }
        return ranges;
    }

    private static string RangeHash(FileStream image, long first, long last, long size)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long position = first * BlockSize;
        long end = Math.Min((last + 1) * BlockSize, size);
        image.Position = position;
        while (position < end)
        {
            int n = (int)Math.Min(buffer.Length, end - position);
            image.ReadExactly(buffer, 0, n);
            sha.AppendData(buffer, 0, n);
            position += n;
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
