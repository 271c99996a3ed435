using Jailhouse.Config.Binary;
using Jailhouse.Config.Model;
using Jailhouse.Config.Yaml;

namespace Jailhouse.Tests;

public class RandomRoundTripTests
{
    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (int seed = 1; seed <= 20; seed++)
            data.Add(seed);
        return data;
    }

    /// <summary>model -> bytes -> model -> YAML -> model: the last model encodes to the first one's bytes.</summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomModelsSurviveBinaryAndYaml(int seed)
    {
        var generator = new RandomModel(seed);
        for (int i = 0; i < 50; i++)
        {
            var original = generator.Next();
            byte[] bytes = ConfigBinaryWriter.Write(original);

            var decoded = ConfigBinaryReader.Read(bytes, "random.cell", out var warnings);
            Assert.Empty(warnings);
            AssertSameContents(original, decoded);

            string yaml = YamlConfigWriter.Write(decoded);
            var fromYaml = YamlConfigReader.Read(yaml, "random.yaml");
            AssertSameContents(original, fromYaml);
            Assert.Equal(bytes, ConfigBinaryWriter.Write(fromYaml));
        }
    }

    /// <summary>Names survive YAML when the model has them.</summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void NamedModelsKeepTheirNamesThroughYaml(int seed)
    {
        var generator = new RandomModel(seed);
        for (int i = 0; i < 20; i++)
        {
            var original = generator.Next();
            var fromYaml = YamlConfigReader.Read(YamlConfigWriter.Write(original), "named.yaml");
            Assert.Equal(original.Cell.Name, fromYaml.Cell.Name);
            Assert.Equal(original.Cell.MemoryRegions.Count, fromYaml.Cell.MemoryRegions.Count);
            Assert.Equal(original.Cell.PciDevices.Count, fromYaml.Cell.PciDevices.Count);
            Assert.Equal(original.Cell.PioRanges.Count, fromYaml.Cell.PioRanges.Count);
            foreach (var (a, b) in original.Cell.MemoryRegions.Zip(fromYaml.Cell.MemoryRegions))
                if (a.Name is not null)
                    Assert.Equal(a.Name, b.Name);
            foreach (var (a, b) in original.Cell.PciDevices.Zip(fromYaml.Cell.PciDevices))
                if (a.Name is not null)
                    Assert.Equal(a.Name, b.Name);
            foreach (var (a, b) in original.Cell.PioRanges.Zip(fromYaml.Cell.PioRanges))
                Assert.Equal(a.Name, b.Name);
        }
    }

    /// <summary>Field by field, independent of the binary writer.</summary>
    private static void AssertSameContents(JailhouseConfig expected, JailhouseConfig actual)
    {
        Assert.Equal(expected.Architecture, actual.Architecture);
        Assert.Equal(expected.IsSystem, actual.IsSystem);
        if (expected.System is { } es)
        {
            var s = actual.System!;
            Assert.Equal(es.Flags, s.Flags);
            AssertRegion(es.HypervisorMemory, s.HypervisorMemory);
            Assert.Equal(es.DebugConsole, s.DebugConsole);
            Assert.Equal(es.Platform.PciMmconfigBase, s.Platform.PciMmconfigBase);
            Assert.Equal(es.Platform.PciMmconfigEndBus, s.Platform.PciMmconfigEndBus);
            Assert.Equal(es.Platform.PciIsVirtual, s.Platform.PciIsVirtual);
            Assert.Equal(es.Platform.PciDomain, s.Platform.PciDomain);
            var expectedUnits = es.Platform.IommuUnits.Take(es.Platform.IommuUnits.FindLastIndex(u => !u.IsEmpty) + 1).ToList();
            Assert.Equal(expectedUnits.Count, s.Platform.IommuUnits.Count);
            foreach (var (a, b) in expectedUnits.Zip(s.Platform.IommuUnits))
                Assert.Equal((a.Type, a.Base, a.Size, a.AmdBdf, a.AmdBaseCap, a.AmdMsiCap, a.AmdFeatures, a.TlbBase, a.TlbSize),
                    (b.Type, b.Base, b.Size, b.AmdBdf, b.AmdBaseCap, b.AmdMsiCap, b.AmdFeatures, b.TlbBase, b.TlbSize));
            Assert.Equal(es.Platform.X86, s.Platform.X86);
            Assert.Equal(es.Platform.Arm, s.Platform.Arm);
        }
        var ec = expected.Cell;
        var c = actual.Cell;
        Assert.Equal(ec.Name, c.Name);
        Assert.Equal((ec.Id, ec.Flags, ec.CpuSetSize, ec.VpciIrqBase, ec.CpuResetAddress, ec.MsgReplyTimeout),
            (c.Id, c.Flags, c.CpuSetSize, c.VpciIrqBase, c.CpuResetAddress, c.MsgReplyTimeout));
        Assert.Equal(ec.Cpus, c.Cpus);
        Assert.Equal(ec.Console, c.Console);
        Assert.Equal(ec.MemoryRegions.Count, c.MemoryRegions.Count);
        foreach (var (a, b) in ec.MemoryRegions.Zip(c.MemoryRegions))
            AssertRegion(a, b);
        Assert.Equal(ec.CacheRegions.Select(x => (x.Start, x.Size, x.Type, x.Flags)), c.CacheRegions.Select(x => (x.Start, x.Size, x.Type, x.Flags)));
        Assert.Equal(ec.Irqchips.Select(x => (x.Address, x.Id, x.PinBase, string.Join(",", x.PinBitmap))),
            c.Irqchips.Select(x => (x.Address, x.Id, x.PinBase, string.Join(",", x.PinBitmap))));
        Assert.Equal(ec.PioRanges.Select(x => (x.Base, x.Length)), c.PioRanges.Select(x => (x.Base, x.Length)));
        Assert.Equal(ec.PciCapabilities.Select(x => (x.Id, x.Start, x.Length, x.Flags)), c.PciCapabilities.Select(x => (x.Id, x.Start, x.Length, x.Flags)));
        Assert.Equal(ec.StreamIds, c.StreamIds);
        Assert.Equal(ec.PciDevices.Count, c.PciDevices.Count);
        foreach (var (a, b) in ec.PciDevices.Zip(c.PciDevices))
        {
            Assert.Equal((a.Type, a.Iommu, a.Domain, a.Bdf, a.NumMsiVectors, a.Msi64Bits, a.MsiMaskable, a.NumMsixVectors, a.MsixRegionSize, a.MsixAddress, a.ShmemDevId, a.ShmemPeers, a.ShmemProtocol),
                (b.Type, b.Iommu, b.Domain, b.Bdf, b.NumMsiVectors, b.Msi64Bits, b.MsiMaskable, b.NumMsixVectors, b.MsixRegionSize, b.MsixAddress, b.ShmemDevId, b.ShmemPeers, b.ShmemProtocol));
            Assert.Equal(a.BarMask, b.BarMask);
            // References are compared by position in the owning cell's lists.
            Assert.Equal(a.Capabilities.Select(x => ec.PciCapabilities.IndexOf(x)), b.Capabilities.Select(x => c.PciCapabilities.IndexOf(x)));
            Assert.Equal(a.ShmemRegions.Select(x => ec.MemoryRegions.IndexOf(x)), b.ShmemRegions.Select(x => c.MemoryRegions.IndexOf(x)));
        }
    }

    private static void AssertRegion(MemoryRegion a, MemoryRegion b) =>
        Assert.Equal((a.PhysStart, a.VirtStart, a.Size, a.Flags), (b.PhysStart, b.VirtStart, b.Size, b.Flags));
}
