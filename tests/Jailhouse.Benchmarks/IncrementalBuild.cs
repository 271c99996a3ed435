using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

/// <summary>
/// The up-to-date checks, per board, as a user sees them: `--target=Images` with every step
/// forced (a clean build once the package cache is warm), with nothing changed, and after an edit
/// of one configuration (the root cell's name in the system configuration, restored afterwards).
/// Each run is its own Cake process, so the times include Cake's start-up.
/// </summary>
internal static partial class IncrementalBuild
{
    [GeneratedRegex("(?m)^  name: \"([^\"]*)\"")]
    private static partial Regex CellName();

    public static int Run(string repository, string configuration, IReadOnlyList<string> boards)
    {
        var results = new List<string>();
        foreach (string board in boards)
        {
            double clean = Images(repository, configuration, board, force: true);
            double noop = Images(repository, configuration, board, force: false);
            string edited = "n/a (no configurations)";
            string system = Path.Combine(repository, "configs", board, board + ".yaml");
            if (File.Exists(system))
            {
                string original = File.ReadAllText(system);
                var name = CellName().Match(original).Groups[1];
                if (!name.Success)
                    throw new InvalidOperationException($"{system}: no root cell name line to edit");
                try
                {
                    File.WriteAllText(system, original.Insert(name.Index + name.Length, "2"));
                    edited = $"{Images(repository, configuration, board, force: false):F1} s";
                }
                finally
                {
                    File.WriteAllText(system, original);
                }
                Images(repository, configuration, board, force: false); // back to the committed configuration
            }
            results.Add($"{board}: clean (forced) {clean:F1} s, no-op {noop:F1} s, one configuration edited {edited}");
        }
        foreach (string line in results)
            Console.WriteLine(line);
        return 0;
    }

    private static double Images(string repository, string configuration, string board, bool force)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = repository };
        foreach (string argument in new[] { "cake", "build.cake", "--target=Images", $"--board={board}", $"--configuration={configuration}" })
            info.ArgumentList.Add(argument);
        if (force)
            info.ArgumentList.Add("--force");
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start dotnet cake");
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"--target=Images --board={board} failed with exit code {process.ExitCode.ToString(CultureInfo.InvariantCulture)}");
        return watch.Elapsed.TotalSeconds;
    }
}
