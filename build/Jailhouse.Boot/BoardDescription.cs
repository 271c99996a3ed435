using Jailhouse.Config;

namespace Jailhouse.Boot;

/// <summary>bsp/&lt;board&gt;/board.yaml: what a board is and how its images boot.</summary>
public sealed class BoardDescription
{
    public string Name { get; set; } = "";
    /// <summary>Debian architecture of the target: arm64 or amd64.</summary>
    public string DebianArch { get; set; } = "";
    /// <summary>.NET runtime identifier of the target CLI: linux-arm64 or linux-x64.</summary>
    public string RuntimeId => DebianArch == "arm64" ? "linux-arm64" : "linux-x64";
    /// <summary>The kernel's file name in artifacts/BOARD/kernel/: Debian's arm64 vmlinuz is a raw Image, the x86 one a bzImage.</summary>
    public string KernelFileName => DebianArch == "arm64" ? "Image" : "vmlinuz";
    /// <summary>GRUB platform (arm64-efi, x86_64-efi) and the removable-media loader name.</summary>
    public string GrubPlatform => DebianArch == "arm64" ? "arm64-efi" : "x86_64-efi";
    public string EfiLoaderName => DebianArch == "arm64" ? "BOOTAA64.EFI" : "BOOTX64.EFI";
    /// <summary>Kernel command-line arguments, each one word (e.g. memmap=82M$0x3a000000 unescaped).</summary>
    public List<string> KernelArguments { get; } = [];
    /// <summary>A device tree from the kernel package to ship (e.g. hisilicon/hi6220-hikey.dtb).</summary>
    public string? DeviceTree { get; set; }
    /// <summary>The configuration `jailhouse enable` takes on this board (a file under configs/&lt;board&gt;/).</summary>
    public string? SystemConfig { get; set; }
    public QemuMachine? Qemu { get; set; }
    /// <summary>x86 boards: the Bochs machine that runs the hypervisor under emulated VT-x.</summary>
    public BochsMachine? Bochs { get; set; }
    /// <summary>RAM banks as the firmware reports them (start, size).</summary>
    public List<(ulong Start, ulong Size)> RamBanks { get; } = [];
    /// <summary>Ranges inside RAM the firmware keeps for itself (OP-TEE, ACPI, mailboxes...).</summary>
    public List<(ulong Start, ulong Size)> FirmwareReserved { get; } = [];
    public JailhouseMemory? Jailhouse { get; set; }
    /// <summary>The debug UART: /chosen stdout-path of the boot device tree (the hypervisor takes its console from the system configuration).</summary>
    public UartDescription? Uart { get; set; }
    public SourceLocation Origin { get; set; }
}

/// <summary>How much memory Jailhouse needs and how Linux is kept away from it.</summary>
public sealed class JailhouseMemory
{
    public ulong Hypervisor { get; set; }
    public ulong Inmates { get; set; }
    public ulong SharedMemory { get; set; }
    public ReservationMethod Method { get; set; }
    /// <summary>A fixed reservation start (else: the top of the highest RAM bank that fits).</summary>
    public ulong? Base { get; set; }
    public SourceLocation Origin { get; set; }

    public ulong Total => Hypervisor + Inmates + SharedMemory;
}

public enum ReservationMethod
{
    /// <summary>x86: memmap=SIZE$ADDRESS on the kernel command line.</summary>
    Memmap,
    /// <summary>ARM: mem=SIZE, counting RAM from the bottom (only works for the top of memory).</summary>
    Mem,
    /// <summary>ARM: a /reserved-memory child with no-map in the device tree.</summary>
    ReservedMemory,
}

public sealed record UartDescription(string Type, ulong Address);

/// <summary>How to boot the board's disk image in QEMU (TCG).</summary>
public sealed class QemuMachine
{
    public string Binary { get; set; } = "";
    public List<string> Arguments { get; } = [];
    /// <summary>UEFI firmware given with -bios.</summary>
    public string Firmware { get; set; } = "";
    /// <summary>The image file (under artifacts/&lt;board&gt;/images/) QEMU boots.</summary>
    public string Image { get; set; } = "";
    /// <summary>-drive interface: virtio on arm64 virt, ide/none on q35.</summary>
    public string DriveInterface { get; set; } = "virtio";
}

/// <summary>How to boot an x86 board's kernel in Bochs (VT-x with EPT and unrestricted guest).</summary>
public sealed class BochsMachine
{
    /// <summary>A Bochs CPU model with VMX, EPT and unrestricted guest (e.g. corei7_skylake_x).</summary>
    public string CpuModel { get; set; } = "corei7_skylake_x";
    public int Cpus { get; set; } = 2;
    public ulong MemoryMegabytes { get; set; } = 256;
    /// <summary>Emulated instructions per second: lower makes BIOS and GRUB waits pass faster.</summary>
    public ulong InstructionsPerSecond { get; set; } = 50_000_000;
}
