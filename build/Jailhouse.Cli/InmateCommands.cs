using System.CommandLine;
using Jailhouse.Binaries;

namespace Jailhouse.Cli;

/// <summary>`jailhouse inmate build`: the C# inmates (inmates/demos/) through ILCompiler into flat images for cells.</summary>
internal static class InmateCommands
{
    public static Command Create()
    {
        var inmate = new Command("inmate", "Build steps of the C# demo inmates (inmates/).");
        inmate.Subcommands.Add(Build());
        return inmate;
    }

    private static Command Build()
    {
        var arch = new Option<string>("--arch") { Description = "arm64 (the only architecture with C# inmates).", DefaultValueFactory = _ => "arm64" };
        var repository = new Option<string>("--repository") { Description = "Repository root (inmates/, hypervisor/runtime/).", DefaultValueFactory = _ => "." };
        var configuration = new Option<string>("--configuration") { Description = "Build configuration for ILCompiler.", DefaultValueFactory = _ => "Release" };
        var output = new Option<string>("-o", "--output") { Description = "Folder for <name>.bin, <name>.elf and the stamp, e.g. artifacts/inmates/arm64.", Required = true };
        var linkBase = new Option<string>("--base")
        {
            Description = "Link address: 0 (default) for cells, whose loadable RAM is at guest address 0; e.g. 0x40200000 to run an inmate bare-metal in QEMU virt's RAM.",
            DefaultValueFactory = _ => "0",
        };
        var force = UpToDateCommands.ForceOption();
        var command = new Command("build", "Publish every inmates/demos/<name> with ILCompiler and link it at guest address 0 (a cell's loadable RAM) or --base; skipped when sources, tools and options are unchanged.")
            { arch, repository, configuration, output, linkBase, force };
        command.SetAction(parse =>
        {
            string archName = parse.GetRequiredValue(arch);
            if (archName != "arm64")
                throw new InputException(new SourceLocation("--arch", 0, 0), $"expected arm64, found \"{archName}\"");
            string baseText = parse.GetRequiredValue(linkBase);
            if (!Jailhouse.Config.Text.NumberSyntax.TryParse(baseText, out ulong baseAddress, out _) || baseAddress % 4096 != 0)
                throw new UsageException("--base", $"expected a page-aligned address such as 0 or 0x40200000, found \"{baseText}\"");
            string outputDirectory = parse.GetRequiredValue(output);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var (bins, built) = CSharpInmateBuilder.Build(parse.GetRequiredValue(repository), outputDirectory, parse.GetRequiredValue(configuration), parse.GetValue(force), baseAddress);
            if (!built)
                UpToDateCommands.ReportSkipped($"inmates {archName}");
            else
            {
                foreach (string bin in bins)
                    Console.WriteLine($"{bin}: {new FileInfo(bin).Length} bytes");
                Console.WriteLine($"{bins.Count} inmates built in {watch.Elapsed.TotalSeconds:F1} s");
            }
            return Program.Success;
        });
        return command;
    }
}
