using System.Diagnostics;

namespace Jailhouse.Debian;

/// <summary>
/// Shows a download that another program (apt-get) writes into <paramref name="directory"/>: on a
/// terminal one line that updates twice a second (bytes so far, of the expected size, bytes per
/// second); in a log (standard error redirected, or CI set) a plain line when it starts and when
/// it ends, so CI logs stay readable.
/// </summary>
public sealed class DownloadProgress : IDisposable
{
    private readonly string label;
    private readonly long expectedSize;
    private readonly string directory;
    private readonly Stopwatch watch = Stopwatch.StartNew();
    private readonly Timer? timer;
    private readonly Lock gate = new();
    private bool done;

    public DownloadProgress(string label, long expectedSize, string directory)
    {
        this.label = label;
        this.expectedSize = expectedSize;
        this.directory = directory;
        if (Interactive)
            timer = new Timer(_ => Show(final: false), null, 0, 500);
        else
            Console.Error.WriteLine($"{label} ({Bytes(expectedSize)}) ...");
    }

    /// <summary>An updating line only on a terminal, never in CI logs.</summary>
    private static bool Interactive =>
        !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is not ("true" or "1");

    private long Written()
    {
        try
        {
            return Directory.EnumerateFiles(directory).Sum(f => new FileInfo(f).Length);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private void Show(bool final)
    {
        lock (gate)
        {
            if (done)
                return;
            long written = Written();
            double seconds = Math.Max(watch.Elapsed.TotalSeconds, 0.001);
            string rate = $"{Bytes((long)(written / seconds))}/s";
            if (final)
            {
                done = true;
                string line = $"{label}: {Bytes(written)} in {seconds:F1} s ({rate})";
                Console.Error.WriteLine(Interactive ? "\r" + line + "\u001b[K" : line);
            }
            else
            {
                string of = expectedSize > 0 ? $" of {Bytes(expectedSize)} ({100 * written / expectedSize}%)" : "";
                Console.Error.Write($"\r{label}: {Bytes(written)}{of}, {rate}\u001b[K");
            }
        }
    }

    public void Dispose()
    {
        timer?.Dispose();
        Show(final: true);
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1 << 30 => $"{bytes / (double)(1 << 30):F1} GiB",
        >= 1 << 20 => $"{bytes / (double)(1 << 20):F1} MiB",
        >= 1 << 10 => $"{bytes / (double)(1 << 10):F1} KiB",
        _ => $"{bytes} B",
    };
}
