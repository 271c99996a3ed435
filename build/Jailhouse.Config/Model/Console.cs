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

    public bool IsEmpty => this == new ConsoleConfig();
}
