using Jailhouse.Generate.Snapshot;
using static Jailhouse.Tests.Generate.SyntheticMachine;

namespace Jailhouse.Tests.Generate;

/// <summary>Capability walks and BAR masks of single config spaces.</summary>
public sealed class PciFunctionTests
{
    private static List<(int Id, int Start, int Length, bool Write)> Caps(PciFunction f) =>
        [.. f.Capabilities.Select(c => ((int)c.Id, (int)c.Start, (int)c.Length, c.Writable))];

    [Fact]
    public void MsiLengthFollowsAddressWidthAndMasking()
    {
        var f = PciFunction.FromConfig("0000:00:03.0", PciConfig(0x1af4, 0x1000, 0x0200, caps:
            [(0x05, 0x40, Le16(0x0100 | 0x0004)), (0x05, 0x60, Le16(0x0180))]));
        // 32-bit maskable: 20 bytes; 64-bit maskable: 24. The last MSI capability sets the vector count (4 = 2^2).
        Assert.Equal([(0x05, 0x40, 20, true), (0x05, 0x60, 24, true)], Caps(f));
        Assert.Equal((1, true, true), (f.MsiVectors, f.Msi64Bits, f.MsiMaskable));
    }

    [Fact]
    public void ExpressVersion2NearTheEndIsCutAtTheStandardSpace()
    {
        var f = PciFunction.FromConfig("0000:00:03.0", PciConfig(0x8086, 0x1234, 0x0200, caps: [(0x10, 0xe0, Le16(0x0002))]));
        Assert.Equal([(0x10, 0xe0, 32, false)], Caps(f));
    }

    [Fact]
    public void ExtendedCapabilitiesGetTheirLengthsAndLoopsEnd()
    {
        // ACS with egress control (bit 5 in capability and control) and a 40-bit vector: 8 + 2 dwords.
        byte[] acs = [0x20 | 0x00, 40, 0x20, 0];
        // A vendor-specific capability whose header says 0x18 bytes.
        byte[] vendor = Le32(0x018 << 20 | 0x0001);
        var config = PciConfig(0x8086, 0x1234, 0x0604, size: 4096, caps: [(0x10, 0x40, Le16(0x0002))],
            extended: [(0x000d, 0x100, acs), (0x000b, 0x140, vendor), (0x0001, 0x180, [])]);
        // Point the last one back at the first: the walk must still end.
        config[0x182] = 0x00;
        config[0x183] = 0x10;
        var f = PciFunction.FromConfig("0000:00:1c.0", config);
        Assert.Equal(
            [(0x10, 0x40, 60, false), (0x800d, 0x100, 16, false), (0x800b, 0x140, 28, false), (0x8001, 0x180, 64, false)],
            Caps(f));
        Assert.True(f.IsBridge);
    }

    [Fact]
    public void SixtyFourBitBarsSpanTwoMasks()
    {
        string resource = Resources((0xfe000000, 0xfe0fffff, 0x140204), (0, 0, 0), (0xe000, 0xe0ff, 0x40101));
        var f = PciFunction.FromConfig("0000:00:04.0", PciConfig(0x8086, 0x1234, 0x0200), ResourcesOf(resource));
        Assert.Equal(new uint[] { 0xfff00000, 0xffffffff, 0xffffff00, 0, 0, 0 }, f.BarMasks());
    }

    private static ulong[][] ResourcesOf(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ').Select(v => Convert.ToUInt64(v, 16)).ToArray())];
}
