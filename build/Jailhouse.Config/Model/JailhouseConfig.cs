namespace Jailhouse.Config.Model;

/// <summary>One configuration file: a system configuration (with its root cell) or a non-root cell.</summary>
public sealed class JailhouseConfig
{
    public const ushort Revision = Binary.BinaryLayout.Revision;
    public const string SystemSignature = Binary.BinaryLayout.SystemSignature;
    public const string CellSignature = Binary.BinaryLayout.CellSignature;

    public Architecture Architecture { get; set; }
    /// <summary>Non-null for a system configuration (JHSYS).</summary>
    public SystemConfig? System { get; set; }
    /// <summary>The cell: the root cell of a system configuration, or the non-root cell of a cell configuration.</summary>
    public CellConfig Cell { get; set; } = new();

    public bool IsSystem => System is not null;
}

/// <summary>The parts of struct jailhouse_system around the root cell.</summary>
public sealed class SystemConfig
{
    public SystemFlags Flags { get; set; }
    public MemoryRegion HypervisorMemory { get; set; } = new();
    public ConsoleConfig DebugConsole { get; set; } = new();
    public PlatformInfo Platform { get; set; } = new();
}
