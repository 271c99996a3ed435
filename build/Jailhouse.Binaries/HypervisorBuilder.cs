using System.Xml.Linq;

namespace Jailhouse.Binaries;

/// <summary>
/// The hypervisor image of one architecture from hypervisor/: `dotnet publish` (ILCompiler, own
/// corelib, no runtime) and <see cref="HypervisorLinker.Link"/>, skipped when the sources, the
/// tools and the options are those of the last build (stamp jailhouse.stamp beside the image).
/// </summary>
public static class HypervisorBuilder
{
    /// <summary>The image in <paramref name="outputDirectory"/> and whether it was rebuilt (false: up to date).</summary>
    public static (HypervisorImage Image, bool Built) Build(string hypervisorDirectory, string arch, string configuration, string outputDirectory, bool force = false)
    {
        string rid = HypervisorLinker.RuntimeIdentifier(arch);
        string project = Path.Combine(hypervisorDirectory, "Jailhouse.Hypervisor.csproj");
        string bin = Path.Combine(outputDirectory, "jailhouse.bin");
        string elf = Path.Combine(outputDirectory, "jailhouse.elf");
        var stamp = new BuildStamp(Path.Combine(outputDirectory, "jailhouse.stamp"))
            .Tree(hypervisorDirectory, sourceTree: true)
            .Files(SourcesOutside(hypervisorDirectory, project))
            .Tool("dotnet", "--version").Tool("clang", "--version").Tool("ld.lld", "--version")
            .Option("arch", arch).Option("configuration", configuration);
        bool built = stamp.Run([bin, elf], force, () =>
        {
            var publish = ExternalTool.Run("dotnet", ["publish", project, "-c", configuration, "-r", rid, "--nologo", "-v", "q"]);
            if (publish.ExitCode != 0)
                throw new InputException(new SourceLocation(project, 0, 0), $"dotnet publish -r {rid} failed (exit {publish.ExitCode}): {publish.Output.Trim()}");
            HypervisorLinker.Link(hypervisorDirectory, arch, HypervisorLinker.IlcObject(hypervisorDirectory, configuration, arch), outputDirectory);
        });
        var image = HypervisorLinker.Check(bin, File.ReadAllBytes(bin)) with { ElfPath = elf };
        return (image, built);
    }

    /// <summary>The files the project compiles from outside its folder (the configuration format's
    /// BinaryLayout.cs): inputs of the image as much as the folder's own.</summary>
    private static IEnumerable<string> SourcesOutside(string hypervisorDirectory, string project) =>
        XDocument.Load(project).Descendants("Compile")
            .Select(item => (string?)item.Attribute("Include"))
            .OfType<string>()
            .Where(include => include.StartsWith("../", StringComparison.Ordinal))
            .Select(include => Path.Combine(hypervisorDirectory, include))
            .Order(StringComparer.Ordinal);
}
