namespace Jailhouse.Config.Model;

/// <summary>
/// struct jailhouse_iommu. The trailing 12 bytes are a union: AMD units use <see cref="AmdBdf"/> ..
/// <see cref="AmdFeatures"/>, TI PVU units use <see cref="TlbBase"/>/<see cref="TlbSize"/>.
/// </summary>
public sealed class IommuUnit
{
    public IommuType Type { get; set; }
    public ulong Base { get; set; }
    public uint Size { get; set; }
    public ushort AmdBdf { get; set; }
    public byte AmdBaseCap { get; set; }
    public byte AmdMsiCap { get; set; }
    public uint AmdFeatures { get; set; }
    public ulong TlbBase { get; set; }
    public uint TlbSize { get; set; }
    public SourceLocation? Origin { get; set; }

    public bool IsEmpty => Type == IommuType.None && Base == 0 && Size == 0 && AmdBdf == 0 && AmdBaseCap == 0
        && AmdMsiCap == 0 && AmdFeatures == 0 && TlbBase == 0 && TlbSize == 0;
}
