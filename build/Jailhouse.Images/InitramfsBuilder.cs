using System.IO.Compression;

namespace Jailhouse.Images;

/// <summary>
/// An initramfs from a root file system tree: the tree as a sorted cpio newc archive plus the
/// device node the kernel needs before /dev is mounted, gzip-compressed (the .NET gzip header
/// carries no timestamp, so equal trees give equal bytes).
/// </summary>
public static class InitramfsBuilder
{
    public static void Write(string tree, Stream output, DateTimeOffset timestamp)
    {
        var cpio = new CpioWriter();
        cpio.AddTree(tree);
        // The kernel opens /dev/console for init's stdio before any devtmpfs is mounted.
        cpio.AddCharDevice("dev/console", 5, 1, 0x180);
        using var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true);
        cpio.WriteTo(gzip, timestamp);
    }
}
