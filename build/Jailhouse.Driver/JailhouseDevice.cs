using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Jailhouse.Driver;

/// <summary>An ioctl on /dev/jailhouse failed: the request's name and the errno the driver returned.</summary>
public sealed class JailhouseDeviceException(string request, int errno)
    : Exception($"{request}: {Marshal.GetPInvokeErrorMessage(errno)} ({LinuxErrno.Name(errno)})")
{
    public string Request { get; } = request;
    public int Errno { get; } = errno;
}

/// <summary>The errno values the driver returns, by name.</summary>
public static class LinuxErrno
{
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENOMEM = 12;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;
    public const int EACCES = 13;

    public static string Name(int errno) => errno switch
    {
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        EIO => "EIO",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EFAULT => "EFAULT",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ENOTTY => "ENOTTY",
        _ => $"errno {errno}",
    };
}

/// <summary>The requests of the target commands to the driver; tests put a driver that refuses in its place.</summary>
public interface IJailhouseDriver : IDisposable
{
    void Enable(ReadOnlySpan<byte> systemConfig);
    void Disable();
    void CreateCell(ReadOnlySpan<byte> cellConfig);
    void LoadCell(CellIdArgument cell, IReadOnlyList<(byte[] Data, ulong Address)> images);
    void StartCell(CellIdArgument cell);
    void DestroyCell(CellIdArgument cell);
}

/// <summary>
/// /dev/jailhouse, driven with ioctl through libc (LibraryImport: no runtime marshalling, so
/// NativeAOT-safe). Buffers handed to the driver are pinned for the call's duration.
/// </summary>
public sealed unsafe partial class JailhouseDevice : IJailhouseDriver
{
    public const string DefaultPath = "/dev/jailhouse";

    private const int ReadWrite = 2;     // O_RDWR
    private const int CloseOnExec = 0x80000; // O_CLOEXEC

    private int _fd;

    private JailhouseDevice(int fd) => _fd = fd;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>Opens the device; a missing device (module not loaded) is a <see cref="JailhouseDeviceException"/> naming open.</summary>
    public static JailhouseDevice OpenDevice(string path = DefaultPath)
    {
        int fd = Open(path, ReadWrite | CloseOnExec);
        if (fd < 0)
            throw new JailhouseDeviceException($"open {path}", Marshal.GetLastPInvokeError());
        return new JailhouseDevice(fd);
    }

    private void Call(string name, uint request, void* argument)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        if (Ioctl(_fd, request, argument) < 0)
            throw new JailhouseDeviceException(name, Marshal.GetLastPInvokeError());
    }

    /// <summary>JAILHOUSE_ENABLE with a system configuration's bytes.</summary>
    public void Enable(ReadOnlySpan<byte> systemConfig)
    {
        fixed (byte* config = systemConfig)
            Call("JAILHOUSE_ENABLE", IoctlAbi.Enable, config);
    }

    public void Disable() => Call("JAILHOUSE_DISABLE", IoctlAbi.Disable, null);

    /// <summary>JAILHOUSE_CELL_CREATE with a cell configuration's bytes.</summary>
    public void CreateCell(ReadOnlySpan<byte> cellConfig)
    {
        fixed (byte* config = cellConfig)
        {
            var argument = new CellCreateArgument { ConfigAddress = (ulong)config, ConfigSize = (uint)cellConfig.Length };
            Call("JAILHOUSE_CELL_CREATE", IoctlAbi.CellCreate, &argument);
        }
    }

    /// <summary>
    /// JAILHOUSE_CELL_LOAD: the cell goes to "shut down" and each image is copied to its address in
    /// the cell's loadable memory. No images is `cell shutdown`.
    /// </summary>
    public void LoadCell(CellIdArgument cell, IReadOnlyList<(byte[] Data, ulong Address)> images)
    {
        int headerSize = Unsafe.SizeOf<CellLoadHeader>();
        int imageSize = Unsafe.SizeOf<PreloadImage>();
        var handles = new List<GCHandle>(images.Count);
        byte[] buffer = new byte[headerSize + images.Count * imageSize];
        try
        {
            var header = new CellLoadHeader { CellId = cell, NumPreloadImages = (uint)images.Count };
            MemoryMarshal.Write(buffer, in header);
            for (int i = 0; i < images.Count; i++)
            {
                var handle = GCHandle.Alloc(images[i].Data, GCHandleType.Pinned);
                handles.Add(handle);
                var image = new PreloadImage
                {
                    SourceAddress = (ulong)handle.AddrOfPinnedObject(),
                    Size = (ulong)images[i].Data.Length,
                    TargetAddress = images[i].Address,
                };
                MemoryMarshal.Write(buffer.AsSpan(headerSize + i * imageSize), in image);
            }
            fixed (byte* argument = buffer)
                Call("JAILHOUSE_CELL_LOAD", IoctlAbi.CellLoad, argument);
        }
        finally
        {
            foreach (var handle in handles)
                handle.Free();
        }
    }

    public void StartCell(CellIdArgument cell) => Call("JAILHOUSE_CELL_START", IoctlAbi.CellStart, &cell);

    public void DestroyCell(CellIdArgument cell) => Call("JAILHOUSE_CELL_DESTROY", IoctlAbi.CellDestroy, &cell);

    public void Dispose()
    {
        if (_fd >= 0)
            Close(_fd);
        _fd = -1;
    }
}
