using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Jailhouse.Images;

/// <summary>
/// The data extents of a (sparse) file, found with lseek(SEEK_DATA/SEEK_HOLE) as bmaptool does:
/// what an image writer skipped over stays a hole and need not be copied.
/// </summary>
public static partial class FileExtents
{
    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const int ENXIO = 6;

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(SafeFileHandle fd, long offset, int whence);

    public static List<(long Offset, long Length)> DataExtents(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        long size = RandomAccess.GetLength(handle);
        var extents = new List<(long, long)>();
        long position = 0;
        while (position < size)
        {
            long data = LSeek(handle, position, SeekData);
            if (data < 0)
            {
                if (Marshal.GetLastPInvokeError() == ENXIO)
                    break; // only a hole remains
                // File systems without SEEK_DATA: everything is data.
                return [(0, size)];
            }
            long hole = LSeek(handle, data, SeekHole);
            if (hole < 0)
                hole = size;
            extents.Add((data, hole - data));
            position = hole;
        }
        return extents;
    }
}
