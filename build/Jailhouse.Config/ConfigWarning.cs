namespace Jailhouse.Config;

/// <summary>
/// A non-fatal finding of a reader, e.g. bytes beyond the declared contents. <see cref="Kind"/>
/// tells the configuration checker which of its rules the warning belongs to.
/// </summary>
public sealed record ConfigWarning(SourceLocation Location, string Message, ReaderWarningKind Kind = ReaderWarningKind.Other)
{
    public override string ToString() => $"{Location}: warning: {Message}";
}

public enum ReaderWarningKind
{
    Other,
    /// <summary>Bytes after the end the header's counts declare.</summary>
    TrailingBytes,
    /// <summary>caps_start/num_caps of a PCI device beyond the cell's capabilities (tolerant reading only).</summary>
    CapabilitiesOutOfRange,
    /// <summary>shmem_regions_start of an ivshmem device beyond the cell's memory regions (tolerant reading only).</summary>
    ShmemRegionsOutOfRange,
}
