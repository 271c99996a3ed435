// Hypervisor build parameters of qemu-arm64, generated from bsp/qemu-arm64/board.yaml.
namespace Jailhouse.Hypervisor;

internal static class BoardParameters
{
    /// <summary>board folder under bsp/</summary>
    public const string BoardName = "qemu-arm64";
    /// <summary>physical load address of the hypervisor image</summary>
    public const ulong HypervisorBase = 0x7fc00000;
    /// <summary>bytes of hypervisor memory</summary>
    public const ulong HypervisorSize = 0x400000;
    /// <summary>debug console driver</summary>
    public const string UartType = "pl011";
    /// <summary>debug console registers</summary>
    public const ulong UartBase = 0x9000000;
    /// <summary>interrupt controller generation</summary>
    public const int GicVersion = 3;
    /// <summary>distributor</summary>
    public const ulong GicdBase = 0x8000000;
    /// <summary>redistributors</summary>
    public const ulong GicrBase = 0x80a0000;
    /// <summary>maintenance interrupt (PPI 9 = 25)</summary>
    public const int GicMaintenanceIrq = 25;
}
