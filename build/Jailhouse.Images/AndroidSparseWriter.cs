using System.Buffers.Binary;

namespace Jailhouse.Images;

/// <summary>
/// Android sparse images (the format fastboot flashes): a 28-byte file header, then chunks of
/// raw data, a repeated 4-byte fill value, or "don't care" blocks. Uniform blocks become fill
/// chunks; <see cref="Split"/> cuts an image into pieces each under a download limit, every piece
/// describing the whole partition with "don't care" outside its own range.
/// </summary>
public static class AndroidSparseWriter
{
    public const uint Magic = 0xed26ff3a;
    public const int FileHeaderSize = 28;
    public const int ChunkHeaderSize = 12;
    public const ushort ChunkRaw = 0xcac1;
    public const ushort ChunkFill = 0xcac2;
    public const ushort ChunkDontCare = 0xcac3;

    /// <summary>A run of blocks: raw data from the source, a fill value, or don't care.</summary>
    public readonly record struct Chunk(ushort Type, long FirstBlock, long Blocks, uint Fill = 0)
    {
        public long SizeInFile(int blockSize) => ChunkHeaderSize + Type switch
        {
            ChunkRaw => Blocks * blockSize,
            ChunkFill => 4,
            _ => 0,
        };
    }

    /// <summary>Chunks for a raw image: runs of uniform 4-byte patterns become fill chunks, the rest raw.</summary>
    public static List<Chunk> Analyse(Stream raw, int blockSize = 4096)
    {
        if (raw.Length % blockSize != 0)
            throw new ArgumentException($"the raw image ({raw.Length} bytes) is not a multiple of the block size {blockSize}");
        long blocks = raw.Length / blockSize;
        var chunks = new List<Chunk>();
        var block = new byte[blockSize];
        raw.Position = 0;
        for (long b = 0; b < blocks; b++)
        {
            raw.ReadExactly(block);
            Chunk next = UniformValue(block) is uint fill ? new Chunk(ChunkFill, b, 1, fill) : new Chunk(ChunkRaw, b, 1);
            if (chunks.Count > 0 && chunks[^1] is var last && last.Type == next.Type && last.Fill == next.Fill
                && last.FirstBlock + last.Blocks == b)
                chunks[^1] = last with { Blocks = last.Blocks + 1 };
            else
                chunks.Add(next);
        }
        return chunks;
    }

    private static uint? UniformValue(ReadOnlySpan<byte> block)
    {
        // Compare as native words (equality does not depend on byte order); report little-endian.
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(block);
        return words.IndexOfAnyExcept(words[0]) < 0 ? BinaryPrimitives.ReadUInt32LittleEndian(block) : null;
    }

    /// <summary>Writes one sparse image of all <paramref name="chunks"/> (covering <paramref name="totalBlocks"/>).</summary>
    public static void Write(Stream raw, IReadOnlyList<Chunk> chunks, long totalBlocks, Stream output, int blockSize = 4096)
    {
        Span<byte> header = stackalloc byte[FileHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 1);  // major version
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 0);  // minor version
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], FileHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(header[10..], ChunkHeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)blockSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], checked((uint)totalBlocks));
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)chunks.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], 0);  // no image checksum
        output.Write(header);

        Span<byte> chunkHeader = stackalloc byte[ChunkHeaderSize];
        Span<byte> fill = stackalloc byte[4];
        var buffer = new byte[blockSize * 256];
        foreach (var chunk in chunks)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(chunkHeader, chunk.Type);
            BinaryPrimitives.WriteUInt16LittleEndian(chunkHeader[2..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(chunkHeader[4..], checked((uint)chunk.Blocks));
            BinaryPrimitives.WriteUInt32LittleEndian(chunkHeader[8..], checked((uint)chunk.SizeInFile(blockSize)));
            output.Write(chunkHeader);
            if (chunk.Type == ChunkFill)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(fill, chunk.Fill);
                output.Write(fill);
            }
            else if (chunk.Type == ChunkRaw)
            {
                raw.Position = chunk.FirstBlock * blockSize;
                long remaining = chunk.Blocks * blockSize;
                while (remaining > 0)
                {
                    int n = (int)Math.Min(remaining, buffer.Length);
                    raw.ReadExactly(buffer, 0, n);
                    output.Write(buffer, 0, n);
                    remaining -= n;
                }
            }
        }
    }

    /// <summary>Converts a raw image into one sparse image.</summary>
    public static void Convert(Stream raw, Stream output, int blockSize = 4096) =>
        Write(raw, Analyse(raw, blockSize), raw.Length / blockSize, output, blockSize);

    /// <summary>
    /// Splits the chunks of a raw image into pieces whose sparse files stay within
    /// <paramref name="maxFileSize"/> bytes. Each piece covers all blocks: its own chunks, and don't
    /// care before and after. Large raw chunks are cut at block boundaries.
    /// </summary>
    public static List<List<Chunk>> Split(IReadOnlyList<Chunk> chunks, long totalBlocks, long maxFileSize, int blockSize = 4096)
    {
        // Room for the file header and up to two don't-care chunks around the piece.
        long budget = maxFileSize - FileHeaderSize - 2 * ChunkHeaderSize;
        if (budget < ChunkHeaderSize + blockSize)
            throw new ArgumentException($"a sparse piece of at most {maxFileSize} bytes cannot hold one block of {blockSize}");
        var pieces = new List<List<Chunk>>();
        var current = new List<Chunk>();
        long used = 0;
        var queue = new Queue<Chunk>(chunks);
        while (queue.Count > 0)
        {
            var chunk = queue.Dequeue();
            long size = chunk.SizeInFile(blockSize);
            if (used + size <= budget)
            {
                current.Add(chunk);
                used += size;
                continue;
            }
            if (chunk.Type == ChunkRaw)
            {
                long fit = (budget - used - ChunkHeaderSize) / blockSize;
                if (fit > 0)
                {
                    current.Add(chunk with { Blocks = fit });
                    chunk = chunk with { FirstBlock = chunk.FirstBlock + fit, Blocks = chunk.Blocks - fit };
                }
            }
            pieces.Add(current);
            current = [];
            used = 0;
            // Put the (remaining) chunk back at the front.
            var rest = new Queue<Chunk>();
            rest.Enqueue(chunk);
            while (queue.Count > 0)
                rest.Enqueue(queue.Dequeue());
            queue = rest;
        }
        if (current.Count > 0)
            pieces.Add(current);

        // Surround each piece with don't care so every piece spans the whole partition.
        var result = new List<List<Chunk>>();
        foreach (var piece in pieces)
        {
            var full = new List<Chunk>();
            long first = piece[0].FirstBlock;
            long end = piece[^1].FirstBlock + piece[^1].Blocks;
            if (first > 0)
                full.Add(new Chunk(ChunkDontCare, 0, first));
            full.AddRange(piece);
            if (end < totalBlocks)
                full.Add(new Chunk(ChunkDontCare, end, totalBlocks - end));
            result.Add(full);
        }
        return result;
    }
}
