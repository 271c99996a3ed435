namespace Jailhouse.Config.Model;

/// <summary>The platform_info block of struct jailhouse_system.</summary>
public sealed class PlatformInfo
{
    public const int MaxIommuUnits = 8;

    public ulong PciMmconfigBase { get; set; }
    public byte PciMmconfigEndBus { get; set; }
    public byte PciIsVirtual { get; set; }
    public ushort PciDomain { get; set; }
    /// <summary>Up to 8 units; the binary pads the rest of the array with zeros.</summary>
    public List<IommuUnit> IommuUnits { get; set; } = [];
    /// <summary>Set for x86 systems.</summary>
    public X86Platform? X86 { get; set; }
    /// <summary>Set for ARM and ARM64 systems.</summary>
    public ArmPlatform? Arm { get; set; }
}

public sealed record X86Platform
{
    public ushort PmTimerAddress { get; set; }
    public ApicMode ApicMode { get; set; }
    public uint VtdInterruptLimit { get; set; }
    public uint TscKhz { get; set; }
    public uint ApicKhz { get; set; }
}

public sealed record ArmPlatform
{
    public byte MaintenanceIrq { get; set; }
    public byte GicVersion { get; set; }
    public ulong GicdBase { get; set; }
    public ulong GiccBase { get; set; }
    public ulong GichBase { get; set; }
    public ulong GicvBase { get; set; }
    public ulong GicrBase { get; set; }
}
