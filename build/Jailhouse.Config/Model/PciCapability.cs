namespace Jailhouse.Config.Model;

/// <summary>struct jailhouse_pci_capability. Extended capabilities carry bit 15 (JAILHOUSE_PCI_EXT_CAP) in <see cref="Id"/>.</summary>
public sealed class PciCapability
{
    public const ushort ExtendedFlag = 0x8000;

    public string? Name { get; set; }
    public ushort Id { get; set; }
    public ushort Start { get; set; }
    public ushort Length { get; set; }
    public PciCapabilityFlags Flags { get; set; }
    public SourceLocation? Origin { get; set; }
}
