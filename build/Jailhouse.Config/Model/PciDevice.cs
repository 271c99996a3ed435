namespace Jailhouse.Config.Model;

/// <summary>
/// struct jailhouse_pci_device. Capabilities and shared-memory regions are held as references to
/// entries of the owning cell's lists; the binary writer derives caps_start/num_caps and
/// shmem_regions_start from their positions, so adding or removing entries cannot leave stale indices.
/// </summary>
public sealed class PciDevice
{
    public string? Name { get; set; }
    public PciDeviceType Type { get; set; } = PciDeviceType.Device;
    public byte Iommu { get; set; }
    public ushort Domain { get; set; }
    public ushort Bdf { get; set; }
    public uint[] BarMask { get; set; } = new uint[6];
    /// <summary>A consecutive run of the cell's <see cref="CellConfig.PciCapabilities"/>.</summary>
    public List<PciCapability> Capabilities { get; set; } = [];
    public byte NumMsiVectors { get; set; }
    public bool Msi64Bits { get; set; }
    public bool MsiMaskable { get; set; }
    public ushort NumMsixVectors { get; set; }
    public ushort MsixRegionSize { get; set; }
    public ulong MsixAddress { get; set; }
    /// <summary>
    /// For ivshmem devices: the consecutive memory regions (state table, read/write section, one
    /// output section per peer) starting at shmem_regions_start.
    /// </summary>
    public List<MemoryRegion> ShmemRegions { get; set; } = [];
    public byte ShmemDevId { get; set; }
    public byte ShmemPeers { get; set; }
    public ushort ShmemProtocol { get; set; }
    public SourceLocation? Origin { get; set; }

    public int Bus => Bdf >> 8;
    public int Device => (Bdf >> 3) & 0x1f;
    public int Function => Bdf & 0x7;

    /// <summary>Memory regions an ivshmem device with <paramref name="peers"/> peers uses: state, r/w, and one output per peer.</summary>
    public static int IvshmemRegionCount(int peers) => 2 + peers;
}
