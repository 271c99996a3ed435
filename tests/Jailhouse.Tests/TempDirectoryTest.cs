namespace Jailhouse.Tests;

/// <summary>A test class with its own scratch directory, removed after each test.</summary>
public abstract class TempDirectoryTest : IDisposable
{
    protected readonly string temp = Directory.CreateTempSubdirectory("jailhouse-test-").FullName;

    public void Dispose()
    {
        Directory.Delete(temp, recursive: true);
        GC.SuppressFinalize(this);
    }
}
