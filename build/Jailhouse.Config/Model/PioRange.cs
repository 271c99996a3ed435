namespace Jailhouse.Config.Model;

/// <summary>struct jailhouse_pio: x86 I/O ports the cell may access directly.</summary>
public sealed class PioRange
{
    public string? Name { get; set; }
    public ushort Base { get; set; }
    public ushort Length { get; set; }
    public SourceLocation? Origin { get; set; }
}
