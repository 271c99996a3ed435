namespace Jailhouse.Config.Model;

/// <summary>struct jailhouse_console: the hypervisor's debug UART or a cell's console.</summary>
public sealed record ConsoleConfig
{
    public ulong Address { get; set; }
    public uint Size { get; set; }
    public ConsoleType Type { get; set; }
    public ConsoleFlags Flags { get; set; }
    public uint Divider { get; set; }
    public uint GateNr { get; set; }
    public ulong ClockReg { get; set; }
    /// <summary>Where the console was written; not part of its value (ignored by equality).</summary>
    public SourceLocation? Origin { get; set; }

    public bool IsEmpty => this == new ConsoleConfig();

    public bool Equals(ConsoleConfig? other) =>
        other is not null && Address == other.Address && Size == other.Size && Type == other.Type && Flags == other.Flags
        && Divider == other.Divider && GateNr == other.GateNr && ClockReg == other.ClockReg;

    public override int GetHashCode() => HashCode.Combine(Address, Size, Type, Flags, Divider, GateNr, ClockReg);
}
