using Jailhouse.Config.Text;

namespace Jailhouse.Tests;

public class SyntaxTests
{
    [Theory]
    [InlineData("64M", 64UL << 20)]
    [InlineData("4K", 4096UL)]
    [InlineData("1G", 1UL << 30)]
    [InlineData("2GiB", 2UL << 30)]
    [InlineData("0x4000000", 0x4000000UL)]
    [InlineData("0x4000_0000", 0x40000000UL)]
    [InlineData("4096", 4096UL)]
    [InlineData("0b101", 5UL)]
    public void SizesParse(string text, ulong expected)
    {
        Assert.True(NumberSyntax.TryParseSize(text, out ulong value, out string error), error);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("64Q")]
    [InlineData("M")]
    [InlineData("-4K")]
    [InlineData("0x")]
    [InlineData("0xK")]
    [InlineData("99999999999999999999")]
    [InlineData("17179869184G")]
    public void BadSizesAreRefused(string text) => Assert.False(NumberSyntax.TryParseSize(text, out _, out _));

    [Theory]
    [InlineData(0x1000UL, "4K")]
    [InlineData(0x7f000UL, "508K")]
    [InlineData(0x37000000UL, "880M")]
    [InlineData(0x3fa10000UL, "0x3fa10000")]
    [InlineData(0x100000000UL, "4G")]
    [InlineData(0x123UL, "0x123")]
    public void SizesFormatWithTheLargestExactUnit(ulong value, string expected) => Assert.Equal(expected, NumberSyntax.Size(value));

    [Theory]
    [InlineData("0-3,6", new long[] { 0, 1, 2, 3, 6 })]
    [InlineData("5", new long[] { 5 })]
    [InlineData(" 1 , 3-4 ", new long[] { 1, 3, 4 })]
    [InlineData("", new long[0])]
    public void RangeListsParse(string text, long[] expected)
    {
        Assert.True(RangeListSyntax.TryParse(text, out var set, out string error), error);
        Assert.Equal(expected, set);
        Assert.Equal(text.Replace(" ", ""), RangeListSyntax.Format(set));
    }

    [Theory]
    [InlineData("3-1")]
    [InlineData("a")]
    [InlineData("1,,2")]
    [InlineData("0-100000")]
    public void BadRangeListsAreRefused(string text) => Assert.False(RangeListSyntax.TryParse(text, out _, out _));

    [Theory]
    [InlineData("00:1f.2", 0, 0x00fa)]
    [InlineData("0001:00:01.0", 1, 0x0008)]
    [InlineData("ff:1f.7", 0, 0xffff)]
    public void BdfsParseAndFormat(string text, int domain, int bdf)
    {
        Assert.True(BdfSyntax.TryParse(text, out ushort d, out ushort b, out string error), error);
        Assert.Equal((domain, bdf), ((int)d, (int)b));
        Assert.Equal(text, BdfSyntax.Format(d, b));
    }

    [Theory]
    [InlineData("00:20.0")]
    [InlineData("00:1f.8")]
    [InlineData("100:00.0")]
    [InlineData("1f.2")]
    [InlineData("0:0:0:0.0")]
    public void BadBdfsAreRefused(string text) => Assert.False(BdfSyntax.TryParse(text, out _, out _, out _));

    [Fact]
    public void FlagsKeepUnnamedBitsAsNumbers()
    {
        Assert.Equal(["read", "write", "0x100000"], Names.MemoryFlags.FormatFlags(0x100003));
        Assert.True(Names.MemoryFlags.TryParse("0x100000", out ulong bits, out _));
        Assert.Equal(0x100000UL, bits);
    }
}
