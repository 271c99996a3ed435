using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Jailhouse.Driver;

namespace Jailhouse.Tests.Driver;

/// <summary>
/// The C# ioctl structures and request numbers against kmod/jailhouse.h itself: a C program
/// compiled here with the host's gcc prints sizeof, offsetof and the JAILHOUSE_* values.
/// </summary>
public sealed class IoctlLayoutTests : TempDirectoryTest
{
    private const string Program = $$"""
        #include <stddef.h>
        #include <stdio.h>
        #include "jailhouse.h"

        {{CHeaderProgram.Macros}}

        int main(void)
        {
        	SIZE(jailhouse_cell_create);
        	OFFSET(jailhouse_cell_create, config_address);
        	OFFSET(jailhouse_cell_create, config_size);
        	SIZE(jailhouse_preload_image);
        	OFFSET(jailhouse_preload_image, source_address);
        	OFFSET(jailhouse_preload_image, size);
        	OFFSET(jailhouse_preload_image, target_address);
        	SIZE(jailhouse_cell_id);
        	OFFSET(jailhouse_cell_id, id);
        	OFFSET(jailhouse_cell_id, name);
        	SIZE(jailhouse_cell_load);
        	OFFSET(jailhouse_cell_load, cell_id);
        	OFFSET(jailhouse_cell_load, num_preload_images);
        	OFFSET(jailhouse_cell_load, image);
        	VALUE(JAILHOUSE_CELL_ID_NAMELEN);
        	VALUE(JAILHOUSE_ENABLE);
        	VALUE(JAILHOUSE_DISABLE);
        	VALUE(JAILHOUSE_CELL_CREATE);
        	VALUE(JAILHOUSE_CELL_LOAD);
        	VALUE(JAILHOUSE_CELL_START);
        	VALUE(JAILHOUSE_CELL_DESTROY);
        	return 0;
        }
        """;

    private Dictionary<string, ulong> CompileAndRun() =>
        CHeaderProgram.Run(temp, Program).ToDictionary(fact => fact.Key, fact => ulong.Parse(fact.Value, CultureInfo.InvariantCulture));

    private static ulong Offset<T>(string field) => (ulong)Marshal.OffsetOf<T>(field);

    [Fact]
    public void StructuresMatchTheKernelHeader()
    {
        var c = CompileAndRun();
        Assert.Equal(c["jailhouse_cell_create"], (ulong)Unsafe.SizeOf<CellCreateArgument>());
        Assert.Equal(c["jailhouse_cell_create"], (ulong)Marshal.SizeOf<CellCreateArgument>());
        Assert.Equal(c["jailhouse_cell_create.config_address"], Offset<CellCreateArgument>(nameof(CellCreateArgument.ConfigAddress)));
        Assert.Equal(c["jailhouse_cell_create.config_size"], Offset<CellCreateArgument>(nameof(CellCreateArgument.ConfigSize)));

        Assert.Equal(c["jailhouse_preload_image"], (ulong)Unsafe.SizeOf<PreloadImage>());
        Assert.Equal(c["jailhouse_preload_image.source_address"], Offset<PreloadImage>(nameof(PreloadImage.SourceAddress)));
        Assert.Equal(c["jailhouse_preload_image.size"], Offset<PreloadImage>(nameof(PreloadImage.Size)));
        Assert.Equal(c["jailhouse_preload_image.target_address"], Offset<PreloadImage>(nameof(PreloadImage.TargetAddress)));

        Assert.Equal(c["jailhouse_cell_id"], (ulong)Unsafe.SizeOf<CellIdArgument>());
        Assert.Equal(c["jailhouse_cell_id.id"], Offset<CellIdArgument>(nameof(CellIdArgument.Id)));
        Assert.Equal(c["jailhouse_cell_id.name"], Offset<CellIdArgument>(nameof(CellIdArgument.Name)));
        Assert.Equal(c["JAILHOUSE_CELL_ID_NAMELEN"] + 1, (ulong)Unsafe.SizeOf<CellName>());

        // The header part of jailhouse_cell_load; its images follow at offsetof(image).
        Assert.Equal(c["jailhouse_cell_load"], (ulong)Unsafe.SizeOf<CellLoadHeader>());
        Assert.Equal(c["jailhouse_cell_load.cell_id"], Offset<CellLoadHeader>(nameof(CellLoadHeader.CellId)));
        Assert.Equal(c["jailhouse_cell_load.num_preload_images"], Offset<CellLoadHeader>(nameof(CellLoadHeader.NumPreloadImages)));
        Assert.Equal(c["jailhouse_cell_load.image"], (ulong)Unsafe.SizeOf<CellLoadHeader>());
    }

    [Fact]
    public void RequestNumbersMatchTheKernelHeader()
    {
        var c = CompileAndRun();
        Assert.Equal(c["JAILHOUSE_ENABLE"], IoctlAbi.Enable);
        Assert.Equal(c["JAILHOUSE_DISABLE"], IoctlAbi.Disable);
        Assert.Equal(c["JAILHOUSE_CELL_CREATE"], IoctlAbi.CellCreate);
        Assert.Equal(c["JAILHOUSE_CELL_LOAD"], IoctlAbi.CellLoad);
        Assert.Equal(c["JAILHOUSE_CELL_START"], IoctlAbi.CellStart);
        Assert.Equal(c["JAILHOUSE_CELL_DESTROY"], IoctlAbi.CellDestroy);
    }

    [Fact]
    public void CellNamesLongerThan31BytesAreRefused()
    {
        var id = CellIdArgument.ByName(new string('a', 31));
        Assert.Equal(-1, id.Id);
        Assert.Equal((byte)'a', id.Name[30]);
        Assert.Equal(0, id.Name[31]);
        Assert.Throws<ArgumentException>(() => CellIdArgument.ByName(new string('a', 32)));
    }
}
