// Hypervisor build parameters of qemu-x86, generated from bsp/qemu-x86/board.yaml.
namespace Jailhouse.Hypervisor;

internal static class BoardParameters
{
    /// <summary>board folder under bsp/</summary>
    public const string BoardName = "qemu-x86";
    /// <summary>physical load address of the hypervisor image</summary>
    public const ulong HypervisorBase = 0x3a000000;
    /// <summary>bytes of hypervisor memory</summary>
    public const ulong HypervisorSize = 0x600000;
    /// <summary>debug console driver</summary>
    public const string UartType = "8250";
    /// <summary>debug console registers</summary>
    public const ulong UartBase = 0x3f8;
}
