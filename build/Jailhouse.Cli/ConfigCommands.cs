using System.CommandLine;
using System.Text;
using Jailhouse.Config;
using Jailhouse.Config.Binary;
using Jailhouse.Config.Yaml;

namespace Jailhouse.Cli;

/// <summary>`jailhouse config compile|decompile|show`.</summary>
internal static class ConfigCommands
{
    public static Command Create()
    {
        var config = new Command("config", "Compile, decompile and inspect system and cell configurations (format revision 14).");
        config.Subcommands.Add(Compile());
        config.Subcommands.Add(Decompile());
        config.Subcommands.Add(Show());
        GenerateCommands.AddTo(config);
        config.Subcommands.Add(ConfigCreateCommand.Create());
        CellGenerateCommands.AddTo(config);
        return config;
    }

    private static void PrintWarnings(IEnumerable<ConfigWarning> warnings)
    {
        foreach (var warning in warnings)
            Console.Error.WriteLine(warning.ToString());
    }

    private static Command Compile()
    {
        var input = new Argument<string>("IN") { Description = "YAML configuration (a binary one is re-encoded)." };
        var output = new Option<string>("--output", "-o") { Description = "The binary .cell file to write.", Required = true };
        var command = new Command("compile", "Compile a YAML configuration into a Jailhouse binary configuration.") { input, output };
        command.SetAction(parse =>
        {
            string inPath = parse.GetRequiredValue(input);
            string outPath = parse.GetRequiredValue(output);
            var model = ConfigFiles.Load(inPath, out var warnings);
            PrintWarnings(warnings);
            byte[] bytes = ConfigBinaryWriter.Write(model, inPath);
            ConfigFiles.WriteAtomically(outPath, bytes);
            return Program.Success;
        });
        return command;
    }

    private static Command Decompile()
    {
        var input = new Argument<string>("IN") { Description = "Binary configuration (.cell)." };
        var output = new Option<string?>("--output", "-o") { Description = "The YAML file to write (default: standard output)." };
        var command = new Command("decompile", "Turn a Jailhouse binary configuration into YAML that compiles back to the same bytes.") { input, output };
        command.SetAction(parse =>
        {
            string inPath = parse.GetRequiredValue(input);
            var model = ConfigFiles.Load(inPath, out var warnings);
            PrintWarnings(warnings);
            string yaml = YamlConfigWriter.Write(model, $"decompiled from {Path.GetFileName(inPath)}");
            if (parse.GetValue(output) is { } outPath)
                ConfigFiles.WriteAtomically(outPath, Encoding.UTF8.GetBytes(yaml));
            else
                Console.Out.Write(yaml);
            return Program.Success;
        });
        return command;
    }

    private static Command Show()
    {
        var input = new Argument<string>("IN") { Description = "Binary (.cell) or YAML configuration." };
        var command = new Command("show", "Print a readable summary of a configuration.") { input };
        command.SetAction(parse =>
        {
            string inPath = parse.GetRequiredValue(input);
            var model = ConfigFiles.Load(inPath, out var warnings);
            PrintWarnings(warnings);
            Console.Out.Write(ConfigSummary.Describe(model, inPath));
            return Program.Success;
        });
        return command;
    }
}
