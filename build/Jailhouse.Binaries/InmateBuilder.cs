
namespace Jailhouse.Binaries;

/// <summary>
/// Builds the bare-metal demo inmates (inmates/&lt;arch&gt;/*.S) into flat binaries with binutils:
/// the cross assembler for arm64, the host one in 32-bit mode for x86's 16-bit code.
/// </summary>
public static class InmateBuilder
{
    private sealed record Toolchain(string Folder, string[] Assemble, string[] Link, string ObjCopy, string UserCompiler);

    private static Toolchain For(string debianArch) => debianArch switch
    {
        "arm64" => new("arm64", ["aarch64-linux-gnu-as"], ["aarch64-linux-gnu-ld", "-Ttext=0"], "aarch64-linux-gnu-objcopy", "aarch64-linux-gnu-gcc"),
        "amd64" => new("x86", ["as", "--32"], ["ld", "-m", "elf_i386", "-Ttext=0", "-e", "_start"], "objcopy", "gcc"),
        _ => throw new ArgumentException($"no inmates for {debianArch}"),
    };

    /// <summary>Builds every inmate of the architecture into <paramref name="outputDirectory"/>; returns the .bin files.</summary>
    public static List<string> Build(string repositoryRoot, string debianArch, string outputDirectory) =>
        BuildFolder(Path.Combine(repositoryRoot, "inmates", For(debianArch).Folder), debianArch, outputDirectory);

    /// <summary>
    /// The same for the &lt;arch&gt; subfolder of <paramref name="parent"/> (e.g. bsp/common/tests/arm64/),
    /// if there is one: bare-metal test fixtures built like the inmates.
    /// </summary>
    public static List<string> BuildArchFolder(string parent, string debianArch, string outputDirectory)
    {
        string sources = Path.Combine(parent, For(debianArch).Folder);
        return Directory.Exists(sources) ? BuildFolder(sources, debianArch, outputDirectory) : [];
    }

    /// <summary>
    /// Linux user programs of the tests (&lt;arch&gt;/user/*.S under <paramref name="parent"/>, no C
    /// library): static executables, built with the cross compiler into <paramref name="outputDirectory"/>.
    /// </summary>
    public static List<string> BuildUserPrograms(string parent, string debianArch, string outputDirectory)
    {
        var tools = For(debianArch);
        string sources = Path.Combine(parent, tools.Folder, "user");
        var built = new List<string>();
        if (!Directory.Exists(sources))
            return built;
        Directory.CreateDirectory(outputDirectory);
        foreach (string source in Directory.EnumerateFiles(sources, "*.S").Order(StringComparer.Ordinal))
        {
            string program = Path.Combine(outputDirectory, Path.GetFileNameWithoutExtension(source));
            // -s: no symbol table, which would name the compiler's temporary object (ccXXXXXX.o).
            Run([tools.UserCompiler, "-nostdlib", "-static", "-s", "-Wl,--build-id=none", "-o", program, source]);
            built.Add(program);
        }
        return built;
    }

    private static List<string> BuildFolder(string sources, string debianArch, string outputDirectory)
    {
        var tools = For(debianArch);
        Directory.CreateDirectory(outputDirectory);
        var built = new List<string>();
        foreach (string source in Directory.EnumerateFiles(sources, "*.S").Order(StringComparer.Ordinal))
        {
            string stem = Path.Combine(outputDirectory, Path.GetFileNameWithoutExtension(source));
            // -I: a folder's sources may share .include files (which are not built themselves).
            Run([.. tools.Assemble, "-I", sources, "-o", stem + ".o", source]);
            Run([.. tools.Link, "-o", stem + ".elf", stem + ".o"]);
            Run([tools.ObjCopy, "-O", "binary", stem + ".elf", stem + ".bin"]);
            File.Delete(stem + ".o");
            built.Add(stem + ".bin");
        }
        return built;
    }

    private static void Run(string[] command)
    {
        var result = ExternalTool.Run(command[0], command[1..]);
        if (result.ExitCode != 0)
            throw new InputException(new SourceLocation(command[^1], 0, 0), $"{command[0]} failed (exit {result.ExitCode}): {result.Output.Trim()}");
    }
}
