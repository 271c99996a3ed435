namespace Jailhouse.Tests;

/// <summary>Locations of the repository and of the shared reference data beside it.</summary>
internal static class Paths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string ReferenceCells { get; } =
        Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "reference", "jailhouse-cells"));

    public static IEnumerable<string> ReferenceFiles() =>
        Directory.EnumerateFiles(ReferenceCells, "*.cell", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    /// <summary>xunit MemberData: each reference file by its path relative to jailhouse-cells/.</summary>
    public static TheoryData<string> ReferenceFileNames()
    {
        var data = new TheoryData<string>();
        foreach (string file in ReferenceFiles())
            data.Add(Path.GetRelativePath(ReferenceCells, file));
        return data;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Jailhouse.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Jailhouse.sln not found above " + AppContext.BaseDirectory);
    }
}
