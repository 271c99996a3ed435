namespace Jailhouse.Config.Model;

/// <summary>struct jailhouse_cache: a cache partition (Intel CAT) in units of cache ways/bits.</summary>
public sealed class CacheRegion
{
    public uint Start { get; set; }
    public uint Size { get; set; }
    public CacheType Type { get; set; }
    public CacheFlags Flags { get; set; }
    public SourceLocation? Origin { get; set; }
}
