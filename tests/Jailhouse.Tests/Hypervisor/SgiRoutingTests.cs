using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// SGI targets (SgiRouting) and CPU affinities (CpuAffinity): every way of naming targets is
/// decoded into CPU IDs, filtered to the sender's cell and encoded again, on a two-cluster
/// layout where CPU IDs and Aff0 differ.
/// </summary>
public sealed unsafe class SgiRoutingTests
{
    private static CpuAffinityTable TwoClusters()
    {
        var table = new CpuAffinityTable();
        // CPU 0, 1: cluster 0 (Aff0 0, 1); CPU 2, 3: cluster 1 (Aff0 0, 1); CPU 4: Aff3 = 1, Aff0 = 17.
        CpuAffinity.Record(ref table, 0, 0x8000_0000);
        CpuAffinity.Record(ref table, 1, 0x8000_0001);
        CpuAffinity.Record(ref table, 2, 0x8000_0100);
        CpuAffinity.Record(ref table, 3, 0x8000_0101);
        CpuAffinity.Record(ref table, 4, 0x01_8000_0011);
        return table;
    }

    /// <summary>The "same cell?" answer: CPUs 0-2 form one cell, 3 and 4 another.</summary>
    private static bool CellOfThree(uint sender, uint target) => (sender < 3) == (target < 3);

    [Fact]
    public void AffinityFindsTheCpuWhateverItsIdAndIgnoresNonAffinityBits()
    {
        var table = TwoClusters();
        Assert.Equal(2, CpuAffinity.CpuOf(table, 0x100));
        Assert.Equal(3, CpuAffinity.CpuOf(table, 0x8000_0101));           // RES1 bit 31 does not count
        Assert.Equal(3, CpuAffinity.CpuOf(table, 0x4000_0101));           // nor MT (24) / U (30)
        Assert.Equal(4, CpuAffinity.CpuOf(table, 0x01_0000_0011));
        Assert.Equal(-1, CpuAffinity.CpuOf(table, 0x11));                 // Aff3 differs
        Assert.Equal(-1, CpuAffinity.CpuOf(table, 0x2));
        Assert.False(CpuAffinity.Record(ref table, 64, 0x5));
        Assert.False(CpuAffinity.TryGet(table, 5, out _));
        Assert.True(CpuAffinity.TryGet(table, 4, out ulong affinity));
        Assert.Equal(0x01_0000_0011UL, affinity);
    }

    [Fact]
    public void FilterKeepsOnlyTheSendersCell()
    {
        Assert.Equal(0b00111UL, SgiRouting.Filter(0, 0b11111, &CellOfThree));
        Assert.Equal(0b11000UL, SgiRouting.Filter(3, 0b11111, &CellOfThree));
        Assert.Equal(0UL, SgiRouting.Filter(4, 0b00110, &CellOfThree));
    }

    [Fact]
    public void Sgi1rTargetListsNameCpusByClusterAndRange()
    {
        var table = TwoClusters();
        Assert.Equal(0b00010UL, SgiRouting.Sgi1rTargets(0x0000_0002, 0, table));                   // cluster 0, Aff0 1
        Assert.Equal(0b01100UL, SgiRouting.Sgi1rTargets((1UL << 16) | 0x3, 0, table));             // cluster 1, Aff0 0 and 1
        Assert.Equal(0b10000UL, SgiRouting.Sgi1rTargets((1UL << 48) | (1UL << 44) | 0x2, 0, table)); // Aff3 1, RS 1: Aff0 17
        Assert.Equal(0UL, SgiRouting.Sgi1rTargets((1UL << 44) | 0x2, 0, table));                  // RS 1 in cluster 0: nobody
        Assert.Equal(0b11101UL, SgiRouting.Sgi1rTargets(1UL << 40, 1, table));                     // IRM: all but the sender
        Assert.Equal(5u, SgiRouting.Sgi1rIntid((5UL << 24) | 1));
    }

    [Fact]
    public void Sgi1rEncodingSendsExactlyTheFilteredCpusOneWritePerCluster()
    {
        var table = TwoClusters();
        ulong* values = stackalloc ulong[4];
        int count = SgiRouting.EncodeSgi1r(7, 0b11110, table, values, 4);
        Assert.Equal(3, count);
        Assert.Equal((7UL << 24) | 0x2, values[0]);                                                // CPU 1
        Assert.Equal((7UL << 24) | (1UL << 16) | 0x3, values[1]);                                  // CPUs 2, 3
        Assert.Equal((1UL << 48) | (1UL << 44) | (7UL << 24) | 0x2, values[2]);                     // CPU 4
        for (int i = 0; i < count; i++)
            Assert.Equal(7u, SgiRouting.Sgi1rIntid(values[i]));
        ulong decoded = 0;
        for (int i = 0; i < count; i++)
            decoded |= SgiRouting.Sgi1rTargets(values[i], 0, table);
        Assert.Equal(0b11110UL, decoded);
        Assert.Equal(-1, SgiRouting.EncodeSgi1r(7, 0b11110, table, values, 2));                     // too little room
        Assert.Equal(-1, SgiRouting.EncodeSgi1r(7, 1UL << 9, table, values, 4));                    // no affinity known
        Assert.Equal(0, SgiRouting.EncodeSgi1r(7, 0, table, values, 4));
    }

    [Fact]
    public void SgirNamesCpuInterfacesAndIsEncodedAsAList()
    {
        byte* interfaces = stackalloc byte[64];
        interfaces[0] = 0x04;   // CPU interface numbers need not follow CPU IDs
        interfaces[1] = 0x01;
        interfaces[2] = 0x02;
        const ulong known = 0b111;
        Assert.Equal(0b011UL, SgiRouting.SgirTargets((0x05u << 16) | 3, 2, interfaces, known));
        Assert.Equal(0b110UL, SgiRouting.SgirTargets((1u << 24) | 3, 0, interfaces, known));
        Assert.Equal(0b100UL, SgiRouting.SgirTargets((2u << 24) | 3, 2, interfaces, known));
        Assert.Equal(0UL, SgiRouting.SgirTargets((3u << 24) | 3, 2, interfaces, known));
        Assert.Equal((0x03u << 16) | 0x8003u, SgiRouting.EncodeSgir((1u << 24) | 0x8003u | (0xffu << 16), 0b110, interfaces));
    }
}
