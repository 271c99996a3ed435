namespace Jailhouse.Tests;

/// <summary>Sets environment variables for a test (in the "console" collection, which runs alone) and restores them.</summary>
internal sealed class EnvironmentScope : IDisposable
{
    private readonly List<(string Name, string? Value)> saved = [];

    public EnvironmentScope(params (string Name, string Value)[] variables)
    {
        foreach (var (name, value) in variables)
        {
            saved.Add((name, Environment.GetEnvironmentVariable(name)));
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    public void Dispose()
    {
        foreach (var (name, value) in saved)
            Environment.SetEnvironmentVariable(name, value);
    }
}
