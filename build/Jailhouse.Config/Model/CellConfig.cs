namespace Jailhouse.Config.Model;

/// <summary>struct jailhouse_cell_desc and the arrays that follow it.</summary>
public sealed class CellConfig
{
    public const int NameMaxLength = 31;

    public string Name { get; set; } = "";
    /// <summary>Set by the driver at run time; 0 in configuration files.</summary>
    public uint Id { get; set; }
    public CellFlags Flags { get; set; }
    public SortedSet<int> Cpus { get; set; } = [];
    /// <summary>Where the CPU set was written (YAML "cpus" or the bitmap's byte offset).</summary>
    public SourceLocation? CpusOrigin { get; set; }
    /// <summary>Bytes of the CPU bitmap (a multiple of 8 in upstream configs: an array of unsigned long).</summary>
    public uint CpuSetSize { get; set; } = 8;
    public uint VpciIrqBase { get; set; }
    public ulong CpuResetAddress { get; set; }
    public ulong MsgReplyTimeout { get; set; }
    public ConsoleConfig Console { get; set; } = new();

    public List<MemoryRegion> MemoryRegions { get; set; } = [];
    public List<CacheRegion> CacheRegions { get; set; } = [];
    public List<Irqchip> Irqchips { get; set; } = [];
    public List<PioRange> PioRanges { get; set; } = [];
    public List<PciDevice> PciDevices { get; set; } = [];
    public List<PciCapability> PciCapabilities { get; set; } = [];
    public List<uint> StreamIds { get; set; } = [];
    public SourceLocation? Origin { get; set; }

    /// <summary>The smallest CPU bitmap (in 8-byte words) that holds every CPU of the set.</summary>
    public static uint MinimumCpuSetSize(IEnumerable<int> cpus)
    {
        int highest = cpus.DefaultIfEmpty(0).Max();
        return (uint)((highest / 64 + 1) * 8);
    }
}
