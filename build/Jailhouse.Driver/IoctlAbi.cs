using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Jailhouse.Driver;

/// <summary>
/// The /dev/jailhouse ioctl ABI (kmod/jailhouse.h, the same as upstream's driver/jailhouse.h):
/// blittable argument structures and the request numbers, encoded as Linux's generic _IOC does
/// on arm64 and x86-64 (direction in bits 30-31, size in 16-29, type in 8-15, number in 0-7).
/// </summary>
public static class IoctlAbi
{
    public const int CellIdNameLength = 31;
    public const int CellIdUnused = -1;

    private const uint IocWrite = 1;

    private static uint Io(uint number) => number;

    private static uint Iow(uint number, int size) => (IocWrite << 30) | ((uint)size << 16) | number;

    public static uint Enable => Iow(0, IntPtr.Size);                                   // _IOW(0, 0, void *)
    public static uint Disable => Io(1);                                                 // _IO(0, 1)
    public static uint CellCreate => Iow(2, Unsafe.SizeOf<CellCreateArgument>());
    public static uint CellLoad => Iow(3, Unsafe.SizeOf<CellLoadHeader>());
    public static uint CellStart => Iow(4, Unsafe.SizeOf<CellIdArgument>());
    public static uint CellDestroy => Iow(5, Unsafe.SizeOf<CellIdArgument>());
}

/// <summary>struct jailhouse_cell_create.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CellCreateArgument
{
    public ulong ConfigAddress;
    public uint ConfigSize;
    public uint Padding;
}

/// <summary>struct jailhouse_preload_image.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PreloadImage
{
    public ulong SourceAddress;
    public ulong Size;
    public ulong TargetAddress;
    public ulong Padding;
}

/// <summary>The 32 bytes of a cell name (31 and a NUL).</summary>
[InlineArray(IoctlAbi.CellIdNameLength + 1)]
public struct CellName
{
    private byte _first;
}

/// <summary>struct jailhouse_cell_id: a cell by id, or by name with id = -1.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CellIdArgument
{
    public int Id;
    public uint Padding;
    public CellName Name;

    public static CellIdArgument ById(int id) => new() { Id = id };

    /// <summary>A cell by name; a name longer than 31 UTF-8 bytes cannot name a cell.</summary>
    public static CellIdArgument ByName(string name)
    {
        var argument = new CellIdArgument { Id = IoctlAbi.CellIdUnused };
        Span<byte> bytes = argument.Name;
        int length = Encoding.UTF8.GetByteCount(name);
        if (length > IoctlAbi.CellIdNameLength)
            throw new ArgumentException($"cell name \"{name}\" is longer than {IoctlAbi.CellIdNameLength} bytes");
        Encoding.UTF8.GetBytes(name, bytes);
        return argument;
    }
}

/// <summary>struct jailhouse_cell_load without its flexible array of <see cref="PreloadImage"/>s.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CellLoadHeader
{
    public CellIdArgument CellId;
    public uint NumPreloadImages;
    public uint Padding;
}
