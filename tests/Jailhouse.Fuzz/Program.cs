using System.Globalization;

namespace Jailhouse.Fuzz;

/// <summary>
/// `dotnet run --project tests/Jailhouse.Fuzz -- [--cases N] [--seed S] [--max-seconds T] [--reproducers DIR]`:
/// fuzzes the `jailhouse` commands and prints the number of cases, the time and every failure.
/// Exit 1 if any case failed (reproducers in DIR).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var options = new FuzzOptions();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            options = args[i] switch
            {
                "--cases" => options with { Cases = int.Parse(value, CultureInfo.InvariantCulture) },
                "--seed" => options with { Seed = int.Parse(value, CultureInfo.InvariantCulture) },
                "--max-seconds" => options with { MaxSeconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--reproducers" => options with { Reproducers = value },
                _ => throw new ArgumentException($"unknown option {args[i]}; expected --cases, --seed, --max-seconds or --reproducers"),
            };
        }
        var result = Runner.Run(options, Console.Out);
        Console.WriteLine($"  {"command",-26}{"cases",8}{"exit 0",8}{"exit 1",8}{"exit 2",8}{"other",8}");
        foreach (var (command, exits) in result.PerCommand)
            Console.WriteLine($"  {command,-26}{exits.Sum(),8}{exits[0],8}{exits[1],8}{exits[2],8}{exits[3],8}");
        Console.WriteLine($"fuzz: {result.Cases} cases in {result.Elapsed.TotalSeconds:F1} s (seed {options.Seed}): {result.Failures.Count} failures");
        return result.Failures.Count == 0 ? 0 : 1;
    }
}
