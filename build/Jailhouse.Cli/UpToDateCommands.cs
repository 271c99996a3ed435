using System.CommandLine;
using Jailhouse.Config;

namespace Jailhouse.Cli;

/// <summary>
/// The up-to-date checks of the build commands (<see cref="BuildStamp"/>): the shared --force
/// option, the "skipped" line Cake's log shows, and `jailhouse uptodate run` for the one step a
/// jailhouse command cannot do itself (publishing the NativeAOT jailhouse).
/// </summary>
internal static class UpToDateCommands
{
    public static Option<bool> ForceOption() => new("--force") { Description = "Rebuild even when the inputs are those of the last build." };

    /// <summary>What every skipping command prints (the Cake log's "up to date" lines).</summary>
    public static void ReportSkipped(string what) => Console.WriteLine($"{what}: up to date, skipped");

    public static Command Create()
    {
        var stamp = new Option<string>("--stamp") { Description = "The stamp file (beside the outputs).", Required = true };
        var inputs = new Option<string[]>("--input") { Description = "An input file, or a directory whose files (without bin/, obj/, hidden entries) are inputs.", AllowMultipleArgumentsPerToken = false };
        var tools = new Option<string[]>("--tool") { Description = "A tool's version command, e.g. \"dotnet --version\"." };
        var options = new Option<string[]>("--option") { Description = "NAME=VALUE of an option the outputs depend on." };
        var outputs = new Option<string[]>("--output") { Description = "An output file; a missing one reruns the step.", Required = true };
        var force = ForceOption();
        var command = new Argument<string[]>("COMMAND") { Description = "The step's command line (after --).", Arity = ArgumentArity.OneOrMore };
        var run = new Command("run", "Run COMMAND unless the stamp records exactly these inputs, tool versions and options and the outputs exist; then record the stamp.")
            { stamp, inputs, tools, options, outputs, force, command };
        run.SetAction(parse =>
        {
            var buildStamp = new BuildStamp(parse.GetRequiredValue(stamp));
            foreach (string input in parse.GetValue(inputs) ?? [])
            {
                if (Directory.Exists(input))
                    buildStamp.Tree(input, sourceTree: true);
                else
                    buildStamp.File(input);
            }
            foreach (string tool in parse.GetValue(tools) ?? [])
            {
                string[] words = tool.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                buildStamp.Tool(words[0], words[1..]);
            }
            foreach (string option in parse.GetValue(options) ?? [])
            {
                int equals = option.IndexOf('=');
                if (equals <= 0)
                    throw new InputException(new SourceLocation("--option", 0, 0), $"expected NAME=VALUE, found \"{option}\"");
                buildStamp.Option(option[..equals], option[(equals + 1)..]);
            }
            string[] line = parse.GetRequiredValue(command);
            bool ran;
            try
            {
                ran = buildStamp.Run(parse.GetRequiredValue(outputs), parse.GetValue(force), () =>
            {
                var info = new System.Diagnostics.ProcessStartInfo(line[0]);
                foreach (string argument in line[1..])
                    info.ArgumentList.Add(argument);
                using var process = System.Diagnostics.Process.Start(info)
                    ?? throw new InputException(new SourceLocation(line[0], 0, 0), "cannot start the step's command");
                process.WaitForExit();
                if (process.ExitCode != 0)
                    throw new StepFailedException(process.ExitCode);
            });
            }
            catch (StepFailedException e)
            {
                Console.Error.WriteLine($"jailhouse: {string.Join(' ', line)}: {e.Message}");
                return e.ExitCode;
            }
            if (!ran)
                ReportSkipped(string.Join(' ', parse.GetRequiredValue(outputs)));
            return Program.Success;
        });
        var uptodate = new Command("uptodate", "Up-to-date checks of build steps (stamps of inputs beside the outputs).");
        uptodate.Subcommands.Add(run);
        return uptodate;
    }
}

/// <summary>The step's own command failed: its exit code is ours, and the stamp stays absent.</summary>
internal sealed class StepFailedException(int exitCode) : Exception($"the step's command failed with exit code {exitCode}")
{
    public int ExitCode { get; } = exitCode;
}
