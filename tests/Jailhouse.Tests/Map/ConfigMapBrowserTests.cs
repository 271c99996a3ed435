using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Jailhouse.Config;
using Jailhouse.Config.Map;

namespace Jailhouse.Tests.Map;

/// <summary>
/// The maps in a real browser: Debian's Chromium, headless, renders the SVG (screenshot: the
/// right size, mostly not blank, the colours of the kinds drawn) and loads the HTML page (its
/// DOM holds one lane title per lane). Needs only chromium (recipes/host-packages.txt): a
/// missing browser fails the test, it does not skip it. With JAILHOUSE_UPDATE_MAP_PNG=1 the
/// qemu-arm64 screenshot is copied to configs/map-qemu-arm64.png, the picture in the README.
/// </summary>
[Collection("console")]
public sealed partial class ConfigMapBrowserTests : TempDirectoryTest
{
    private const string Chromium = "/usr/bin/chromium";

    private ToolResult Browser(params string[] arguments)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install the Debian package chromium (listed in recipes/host-packages.txt; .ci/setup installs it)");
        // A fresh profile per run: nothing remembered, nothing fetched.
        string profile = Directory.CreateTempSubdirectory("chromium-profile-").FullName;
        try
        {
            var result = ExternalTool.Run(Chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars", $"--user-data-dir={profile}", .. arguments,
            ]);
            Assert.True(result.ExitCode == 0, $"chromium {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.StandardError}");
            return result;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    private PngImage Screenshot(string svg, string png)
    {
        var root = XDocument.Load(svg).Root!;
        int width = (int)Math.Ceiling(double.Parse((string)root.Attribute("width")!, CultureInfo.InvariantCulture));
        int height = (int)Math.Ceiling(double.Parse((string)root.Attribute("height")!, CultureInfo.InvariantCulture));
        Browser($"--screenshot={png}", $"--window-size={width},{height}", new Uri(svg).AbsoluteUri);
        var image = PngImage.Read(png);
        Assert.Equal((width, height), (image.Width, image.Height));
        return image;
    }

    private static int Count(PngImage image, string colour)
    {
        byte r = Convert.ToByte(colour[1..3], 16), g = Convert.ToByte(colour[3..5], 16), b = Convert.ToByte(colour[5..7], 16);
        int count = 0;
        for (int i = 0; i < image.Rgb.Length; i += 3)
            if (image.Rgb[i] == r && image.Rgb[i + 1] == g && image.Rgb[i + 2] == b)
                count++;
        return count;
    }

    private static double NonWhite(PngImage image)
    {
        int count = 0;
        for (int i = 0; i < image.Rgb.Length; i += 3)
            if (image.Rgb[i] < 0xf0 || image.Rgb[i + 1] < 0xf0 || image.Rgb[i + 2] < 0xf0)
                count++;
        return (double)count / (image.Width * image.Height);
    }

    [GeneratedRegex("<text[^>]*class=\"lane-title\"[^>]*>([^<]*)</text>")]
    private static partial Regex LaneTitle();

    private List<string> DomLaneTitles(string page) =>
        LaneTitle().Matches(Browser("--dump-dom", new Uri(page).AbsoluteUri).StandardOutput).Select(m => m.Groups[1].Value).ToList();

    private string Map(string extension, params string[] arguments)
    {
        string output = Path.Combine(temp, "map." + extension);
        var (exit, _, stderr) = CliTests.RunCli(["config", "map", .. arguments, "-o", output]);
        Assert.True(exit == 0, stderr);
        return output;
    }

    [Fact]
    public void QemuArm64BoardMapRendersWithEveryLane()
    {
        // What the Configs recipe writes for qemu-arm64: the system, both demos, the board.
        string[] arguments =
        [
            ConfigMapTests.Project("configs/qemu-arm64/qemu-arm64.yaml"),
            ConfigMapTests.Project("configs/qemu-arm64/qemu-arm64-inmate-demo.yaml"),
            ConfigMapTests.Project("configs/qemu-arm64/qemu-arm64-linux-demo.yaml"),
            "--board", ConfigMapTests.QemuArm64Board, "--alternatives",
        ];
        string[] lanes = ["board qemu-arm64", "hypervisor", "qemu-arm64", "inmate-demo", "qemu-arm64-linux-demo"];

        var image = Screenshot(Map("svg", arguments), Path.Combine(temp, "map.png"));
        Assert.InRange(NonWhite(image), 0.15, 0.95);
        // Boxes are flat fills: each kind the map has shows in its exact colour.
        var map = SystemMapBuilder.FromFiles(arguments[..3], new(), null);
        var kinds = map.Cells.SelectMany(c => c.Regions).Where(r => r.Kind != MapKind.CommRegion).Select(r => r.Kind)
            .Concat(map.Hypervisor.Select(a => a.Kind)).Append(MapKind.RamBank).Append(MapKind.Reserved).Distinct().ToList();
        Assert.True(kinds.Count >= 7, string.Join(", ", kinds));
        foreach (var kind in kinds)
            Assert.True(Count(image, MapSvgWriter.Colour(kind)) > 200, $"{kind} ({MapSvgWriter.Colour(kind)}) is not drawn");
        if (Environment.GetEnvironmentVariable("JAILHOUSE_UPDATE_MAP_PNG") == "1")
            File.Copy(Path.Combine(temp, "map.png"), ConfigMapTests.Project("configs/map-qemu-arm64.png"), overwrite: true);

        Assert.Equal(lanes, DomLaneTitles(Map("html", arguments)));
    }

    [Fact]
    public void JetsonTx2OverlapShowsInTheBrowser()
    {
        string cell = Path.Combine(Paths.ReferenceCells, "arm64/jetson-tx2.cell");
        var image = Screenshot(Map("svg", cell), Path.Combine(temp, "tx2.png"));
        Assert.InRange(NonWhite(image), 0.05, 0.95);
        // The finding's badges (on the map and in the list) and its hatched range are red.
        Assert.True(Count(image, "#d32f2f") > 200, "the finding is not drawn");
        string html = Map("html", cell);
        Assert.Equal(["hypervisor", "Jetson-TX2"], DomLaneTitles(html));
        Assert.Contains("root-cell.memory[13]", Browser("--dump-dom", new Uri(html).AbsoluteUri).StandardOutput);
    }
}
