using System.Globalization;

namespace Jailhouse.Tests.Driver;

/// <summary>
/// Compiles a C program against kmod/'s headers with the host's gcc and runs it: the program
/// prints one "name value" line per fact (sizeof, offsetof, a macro's value), which the layout
/// tests compare with the C# definitions.
/// </summary>
internal static class CHeaderProgram
{
    /// <summary>The macros such a program uses: SIZE(struct), OFFSET(struct, field), VALUE(macro), TEXT(string macro).</summary>
    public const string Macros = """
        #define SIZE(type) printf(#type " %zu\n", sizeof(struct type))
        #define OFFSET(type, field) printf(#type "." #field " %zu\n", offsetof(struct type, field))
        #define VALUE(name) printf(#name " %lu\n", (unsigned long)(name))
        #define TEXT(name) printf(#name " %s\n", name)
        """;

    public static IReadOnlyDictionary<string, string> Run(string directory, string program)
    {
        string source = Path.Combine(directory, "layout.c");
        string binary = Path.Combine(directory, "layout");
        File.WriteAllText(source, program);
        Tool.Ok("gcc", "-Wall", "-Werror", "-I", Path.Combine(Paths.RepositoryRoot, "kmod"), "-o", binary, source);
        var lines = Tool.Stdout(binary).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        return lines.Select(line => line.Split(' ', 2)).ToDictionary(parts => parts[0], parts => parts[1]);
    }

    public static ulong Number(this IReadOnlyDictionary<string, string> facts, string name) =>
        ulong.Parse(facts[name], CultureInfo.InvariantCulture);
}
