using Jailhouse.Config.Binary;
using Jailhouse.Config.Check;
using Jailhouse.Config.Model;
using Jailhouse.Generate;

namespace Jailhouse.Tests.Generate;

/// <summary>What every generated configuration must satisfy, in one place (the checker joins here).</summary>
internal static class CellConfigValidity
{
    /// <summary>Reads the YAML file back and compiles it; returns the model read back.</summary>
    public static JailhouseConfig AssertCompiles(string yamlPath)
    {
        var model = ConfigFiles.Load(yamlPath, out var warnings);
        Assert.Empty(warnings);
        Assert.NotEmpty(ConfigBinaryWriter.Write(model, yamlPath));
        AssertPassesCheck((yamlPath, model));
        return model;
    }

    /// <summary>`config check` finds no error in these configurations checked together (a system and its cells).</summary>
    public static CheckReport AssertPassesCheck(params (string File, JailhouseConfig Config)[] configs)
    {
        var report = ConfigChecker.Check(configs.Select(c => new CheckInput(c.File, c.Config)).ToList());
        Assert.False(report.HasErrors, string.Join('\n', report.Findings.Where(f => f.IsError)));
        return report;
    }

    public static AddressRange Range(MemoryRegion region) => AddressRange.OfSize(region.PhysStart, region.Size);

    /// <summary>No two mapped regions (comm region aside) share a physical byte.</summary>
    public static void AssertNoOverlap(IEnumerable<MemoryRegion> regions)
    {
        var mapped = regions.Where(r => r.Size > 0 && !r.Flags.HasFlag(MemoryFlags.CommRegion)).OrderBy(r => r.PhysStart).ToList();
        for (int i = 1; i < mapped.Count; i++)
            Assert.True(mapped[i].PhysStart >= mapped[i - 1].PhysEnd, $"{mapped[i - 1]} overlaps {mapped[i]}");
    }
}
