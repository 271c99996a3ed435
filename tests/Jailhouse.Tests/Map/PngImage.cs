using System.Buffers.Binary;
using System.IO.Compression;

namespace Jailhouse.Tests.Map;

/// <summary>
/// Reads the pixels of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium's screenshots
/// are), so tests can look at what a browser drew: IHDR for the size, the IDAT stream inflated,
/// each scanline's filter undone (PNG specification, section 9).
/// </summary>
internal sealed class PngImage
{
    public int Width { get; }
    public int Height { get; }
    /// <summary>RGB triples, row by row.</summary>
    public byte[] Rgb { get; }

    private PngImage(int width, int height, byte[] rgb) => (Width, Height, Rgb) = (width, height, rgb);

    public (byte R, byte G, byte B) Pixel(int x, int y)
    {
        int i = (y * Width + x) * 3;
        return (Rgb[i], Rgb[i + 1], Rgb[i + 2]);
    }

    public static PngImage Read(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a];
        if (!file.AsSpan(0, 8).SequenceEqual(signature))
            throw new InvalidDataException($"{path}: not a PNG file");
        int width = 0, height = 0, channels = 0;
        var compressed = new MemoryStream();
        for (int offset = 8; offset + 12 <= file.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(offset));
            string type = System.Text.Encoding.ASCII.GetString(file, offset + 4, 4);
            var data = file.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                byte depth = data[8], colourType = data[9], interlace = data[12];
                channels = colourType switch { 2 => 3, 6 => 4, _ => 0 };
                if (depth != 8 || channels == 0 || interlace != 0)
                    throw new InvalidDataException($"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are read here (depth {depth}, colour type {colourType}, interlace {interlace})");
            }
            else if (type == "IDAT")
                compressed.Write(data);
            else if (type == "IEND")
                break;
            offset += 12 + length;
        }
        compressed.Position = 0;
        var raw = new MemoryStream();
        using (var inflate = new ZLibStream(compressed, CompressionMode.Decompress))
            inflate.CopyTo(raw);
        return new PngImage(width, height, Unfilter(raw.ToArray(), width, height, channels));
    }

    private static byte[] Unfilter(byte[] raw, int width, int height, int channels)
    {
        int stride = width * channels;
        if (raw.Length < height * (stride + 1))
            throw new InvalidDataException($"PNG data holds {raw.Length} bytes, {height} rows of {stride + 1} expected");
        var previous = new byte[stride];
        var current = new byte[stride];
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            int row = y * (stride + 1);
            byte filter = raw[row];
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? current[i - channels] : 0;
                int b = previous[i];
                int c = i >= channels ? previous[i - channels] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"PNG row {y}: unknown filter {filter}"),
                };
                current[i] = (byte)(raw[row + 1 + i] + predictor);
            }
            for (int x = 0; x < width; x++)
                for (int k = 0; k < 3; k++)
                    rgb[(y * width + x) * 3 + k] = current[x * channels + k];
            (previous, current) = (current, previous);
        }
        return rgb;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
