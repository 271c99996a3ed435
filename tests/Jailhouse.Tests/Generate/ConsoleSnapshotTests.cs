using System.IO.Compression;
using System.Text;
using Jailhouse.Config;
using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Tests.Generate;

/// <summary>
/// The snapshot as bsp/common/tests/snapshot.sh frames it on a serial console (gzip, base64
/// lines with a marker), read back from a log with timestamps and kernel lines in between.
/// </summary>
public sealed class ConsoleSnapshotTests
{
    private static string Frame(byte[] archive, bool cutOff = false)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(archive);
        string base64 = Convert.ToBase64String(compressed.ToArray());
        var log = new StringBuilder("jailhouse-image: ready\r\njailhouse-test: ok config collect\r\n[    9.1] jailhouse-snapshot: begin\r\n");
        for (int i = 0; i < base64.Length; i += 76)
        {
            log.Append("jailhouse-snapshot: ").Append(base64.AsSpan(i, Math.Min(76, base64.Length - i))).Append("\r\n");
            if (i == 76)
                log.Append("[   10.2] random: crng init done\r\n");
        }
        if (!cutOff)
            log.Append("jailhouse-snapshot: end\r\n");
        return log.ToString();
    }

    [Fact]
    public void TheArchiveComesBackByteForByte()
    {
        var archive = new byte[5000];
        new Random(13).NextBytes(archive.AsSpan(0, 2500)); // half noise, half zeros: several lines
        Assert.Equal(archive, ConsoleSnapshot.Extract(Frame(archive), "console.log"));
    }

    [Fact]
    public void ALogWithoutOrWithACutOffSnapshotIsAnErrorWithTheLine()
    {
        var missing = Assert.Throws<InputException>(() => ConsoleSnapshot.Extract("jailhouse-image: ready\n", "console.log"));
        Assert.Contains("jailhouse-snapshot: begin", missing.Message);
        var cut = Assert.Throws<InputException>(() => ConsoleSnapshot.Extract(Frame(new byte[3000], cutOff: true), "console.log"));
        Assert.Equal(3, cut.Location.Line);
        Assert.Contains("cut off", cut.Message);
    }
}
