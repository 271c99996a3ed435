using System.CommandLine;
using Jailhouse.Binaries;
using Jailhouse.Boot;

namespace Jailhouse.Cli;

/// <summary>`jailhouse hypervisor build|link`: hypervisor/ through ILCompiler, plus its assembly, into jailhouse.elf and jailhouse.bin.</summary>
internal static class HypervisorCommands
{
    public static Command Create()
    {
        var hypervisor = new Command("hypervisor", "Build steps of the hypervisor image (hypervisor/).");
        hypervisor.Subcommands.Add(Build());
        hypervisor.Subcommands.Add(Link());
        return hypervisor;
    }

    private static Command Build()
    {
        var arch = new Option<string>("--arch") { Description = "arm64 or x86.", Required = true };
        var source = new Option<string>("--source") { Description = "The hypervisor folder.", DefaultValueFactory = _ => "hypervisor" };
        var configuration = new Option<string>("--configuration") { Description = "Build configuration for ILCompiler.", DefaultValueFactory = _ => "Release" };
        var output = new Option<string>("-o", "--output") { Description = "Folder for jailhouse.bin, jailhouse.elf and the stamp, e.g. artifacts/hypervisor/arm64.", Required = true };
        var force = UpToDateCommands.ForceOption();
        var command = new Command("build", "Publish hypervisor/ with ILCompiler for the architecture and link the image; skipped when sources, tools and options are unchanged.")
            { arch, source, configuration, output, force };
        command.SetAction(parse =>
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var (image, built) = HypervisorBuilder.Build(parse.GetRequiredValue(source), parse.GetRequiredValue(arch),
                parse.GetRequiredValue(configuration), parse.GetRequiredValue(output), parse.GetValue(force));
            if (built)
                Console.WriteLine($"{image.BinPath}: {image.Size} bytes (core 0x{image.CoreSize:x}, per-CPU 0x{image.PerCpuSize:x}), built in {watch.Elapsed.TotalSeconds:F1} s");
            else
                UpToDateCommands.ReportSkipped($"hypervisor {parse.GetRequiredValue(arch)}");
            return Program.Success;
        });
        return command;
    }

    private static Command Link()
    {
        var arch = new Option<string>("--arch") { Description = "arm64 or x86.", Required = true };
        var source = new Option<string>("--source") { Description = "The hypervisor folder.", DefaultValueFactory = _ => "hypervisor" };
        var configuration = new Option<string>("--configuration") { Description = "The configuration ILCompiler ran in.", DefaultValueFactory = _ => "Release" };
        var obj = new Option<string?>("--object") { Description = "ILCompiler's object (default: <source>/obj/<configuration>/net10.0/<rid>/native/jailhouse.o)." };
        var output = new Option<string>("-o", "--output") { Description = "Folder for jailhouse.bin and jailhouse.elf.", Required = true };
        var command = new Command("link", "Assemble the entry code and link it with the C# core (after `dotnet publish hypervisor/Jailhouse.Hypervisor.csproj -r linux-arm64|linux-x64`).")
            { arch, source, configuration, obj, output };
        command.SetAction(parse =>
        {
            string archName = parse.GetRequiredValue(arch);
            string sourceDirectory = parse.GetRequiredValue(source);
            string ilcObject = parse.GetValue(obj) ?? HypervisorLinker.IlcObject(sourceDirectory, parse.GetRequiredValue(configuration), archName);
            var image = HypervisorLinker.Link(sourceDirectory, archName, ilcObject, parse.GetRequiredValue(output));
            Console.WriteLine($"{image.BinPath}: {image.Size} bytes (core 0x{image.CoreSize:x}, per-CPU 0x{image.PerCpuSize:x}, entry at 0x{image.EntryOffset:x}); symbols in {image.ElfPath}");
            return Program.Success;
        });
        return command;
    }
}
