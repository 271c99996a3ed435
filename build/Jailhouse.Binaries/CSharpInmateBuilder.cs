namespace Jailhouse.Binaries;

/// <summary>One C# inmate image: the flat binary, the ELF with symbols, and the address it runs at.</summary>
public sealed record CSharpInmate(string Name, string BinPath, string ElfPath, ulong LinkBase, long Size);

/// <summary>
/// The C# inmates (inmates/demos/&lt;name&gt;/&lt;name&gt;.csproj, arm64): each is published with
/// ILCompiler against the hypervisor's corelib (inmates/lib/Inmate.props), then linked by
/// ld.lld with inmates/lib/arch/arm64/*.S (clang's assembler) and inmate.lds at a fixed address
/// into &lt;name&gt;.elf and the flat &lt;name&gt;.bin (objcopy). Cells load them at guest-physical
/// 0 (<see cref="CellBase"/>); the bare-metal tests link the same object at a RAM address.
/// </summary>
public static class CSharpInmateBuilder
{
    /// <summary>Where a cell's CPU starts and its loadable RAM appears: the link address of shipped inmates.</summary>
    public const ulong CellBase = 0;

    private const string Rid = "linux-arm64";
    private const string ClangTarget = "aarch64-linux-gnu";
    private const string ObjCopy = "aarch64-linux-gnu-objcopy";

    /// <summary>The inmate projects, sorted by name.</summary>
    public static List<string> Projects(string repositoryRoot)
    {
        string demos = Path.Combine(repositoryRoot, "inmates", "demos");
        if (!Directory.Exists(demos))
            return [];
        return Directory.EnumerateDirectories(demos).Order(StringComparer.Ordinal)
            .Select(folder => Path.Combine(folder, Path.GetFileName(folder) + ".csproj"))
            .Where(File.Exists).ToList();
    }

    /// <summary>Publishing the same project twice at once would share its obj/ folder: one at a time in this process.</summary>
    private static readonly Lock PublishLock = new();

    /// <summary>Where ILCompiler leaves the object of <paramref name="project"/>.</summary>
    public static string IlcObject(string project, string configuration = "Release") =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(project))!, "obj", configuration, "net10.0", Rid, "native", Path.GetFileNameWithoutExtension(project) + ".o");

    /// <summary>Runs ILCompiler on one project; returns its object.</summary>
    public static string Publish(string project, string configuration = "Release")
    {
        lock (PublishLock)
            return PublishUnlocked(project, configuration);
    }

    private static string PublishUnlocked(string project, string configuration)
    {
        var publish = ExternalTool.Run("dotnet", ["publish", project, "-c", configuration, "-r", Rid, "--nologo", "-v", "q"]);
        if (publish.ExitCode != 0)
            throw new InputException(new SourceLocation(project, 0, 0), $"dotnet publish -r {Rid} failed (exit {publish.ExitCode}): {publish.Output.Trim()}");
        string obj = IlcObject(project, configuration);
        if (!File.Exists(obj))
            throw new InputException(new SourceLocation(project, 0, 0), $"expected ILCompiler's object {obj} after dotnet publish");
        return obj;
    }

    /// <summary>Links ILCompiler's object of inmate <paramref name="name"/> to run at <paramref name="linkBase"/>
    /// into <paramref name="outputDirectory"/> (written under temporary names, then renamed).</summary>
    public static CSharpInmate Link(string repositoryRoot, string name, string ilcObject, ulong linkBase, string outputDirectory)
    {
        string arch = Path.Combine(repositoryRoot, "inmates", "lib", "arch", "arm64");
        string runtimeInclude = HypervisorLinker.RuntimeIncludeDirectory(Path.Combine(repositoryRoot, "hypervisor"), "arm64");
        Directory.CreateDirectory(outputDirectory);
        string work = Path.Combine(outputDirectory, $".{name}-link-tmp");
        if (Directory.Exists(work))
            Directory.Delete(work, true);
        Directory.CreateDirectory(work);
        try
        {
            var objects = new List<string>();
            foreach (string source in Directory.EnumerateFiles(arch, "*.S").Order(StringComparer.Ordinal))
            {
                string obj = Path.Combine(work, Path.GetFileNameWithoutExtension(source) + ".o");
                Run("clang", ["--target=" + ClangTarget, "-c", "-I", arch, "-I", runtimeInclude, "-o", obj, source], source);
                objects.Add(obj);
            }
            objects.Add(ilcObject);
            string elf = Path.Combine(work, name + ".elf");
            string bin = Path.Combine(work, name + ".bin");
            string script = Path.Combine(arch, "inmate.lds");
            Run("ld.lld", ["-T", script, $"--defsym=INMATE_BASE=0x{linkBase:x}", "--no-undefined", "--build-id=none", "--strip-debug", "-o", elf, .. objects], script);
            Run(ObjCopy, ["-O", "binary", elf, bin], elf);
            string finalElf = Path.Combine(outputDirectory, name + ".elf");
            string finalBin = Path.Combine(outputDirectory, name + ".bin");
            File.Move(elf, finalElf, true);
            File.Move(bin, finalBin, true);
            return new CSharpInmate(name, finalBin, finalElf, linkBase, new FileInfo(finalBin).Length);
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }

    /// <summary>
    /// Every inmate, linked at <paramref name="linkBase"/> (cells: <see cref="CellBase"/>), into <paramref name="outputDirectory"/>; skipped when the
    /// stamp (inmates.stamp there) says inmates/, hypervisor/ (its corelib and shared sources), the
    /// configuration layout, the SDK and the tools are those of the last build. Returns the .bin
    /// files and whether they were rebuilt (false: up to date).
    /// </summary>
    public static (List<string> Bins, bool Built) Build(string repositoryRoot, string outputDirectory, string configuration = "Release", bool force = false,
        ulong linkBase = CellBase)
    {
        var projects = Projects(repositoryRoot);
        var bins = projects.Select(p => Path.Combine(outputDirectory, Path.GetFileNameWithoutExtension(p) + ".bin")).ToList();
        var stamp = new BuildStamp(Path.Combine(outputDirectory, "inmates.stamp"))
            .Tree(Path.Combine(repositoryRoot, "inmates"), sourceTree: true)
            .Tree(Path.Combine(repositoryRoot, "hypervisor"), sourceTree: true)
            .File(Path.Combine(repositoryRoot, "build", "Jailhouse.Config", "Binary", "BinaryLayout.cs"))
            .Tool("dotnet", "--version").Tool("clang", "--version").Tool("ld.lld", "--version")
            .Option("configuration", configuration).Option("base", $"0x{linkBase:x}");
        bool built;
        lock (PublishLock)
            built = stamp.Run(bins, force, () =>
            {
                foreach (string project in projects)
                    Link(repositoryRoot, Path.GetFileNameWithoutExtension(project), PublishUnlocked(project, configuration), linkBase, outputDirectory);
            });
        return (bins, built);
    }

    private static void Run(string program, string[] arguments, string subject)
    {
        var result = ExternalTool.Run(program, arguments);
        if (result.ExitCode != 0)
            throw new InputException(new SourceLocation(subject, 0, 0), $"{program} failed (exit {result.ExitCode}): {result.Output.Trim()}");
    }
}
