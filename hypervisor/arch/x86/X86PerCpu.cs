namespace Jailhouse.Hypervisor;

/// <summary>What an x86 CPU keeps in <see cref="PerCpu.ArchData"/>: the indices, in one place
/// (asm-defines.h repeats the ones the assembly uses; HypervisorLayoutTests compares).</summary>
internal static class X86PerCpu
{
    /// <summary>Physical addresses of the CPU's VMXON region and VMCS.</summary>
    public const int VmxonRegion = 0;
    public const int VmcsRegion = 1;
    /// <summary>Linux's CR3 at the entry call (entry.S, PERCPU_LINUX_CR3).</summary>
    public const int LinuxCr3 = 2;
    /// <summary>This CPU's copy of the PCI address port 0xcf8.</summary>
    public const int PciAddressPort = 3;
    /// <summary>NMIs taken in the host, not yet injected (exceptions.S, PERCPU_HOST_NMIS; a u32).</summary>
    public const int HostNmis = 4;
    /// <summary>The GDT copy leaving VMX loads Linux's TR from (<see cref="X86HostDescriptors.LeaveScratchOffset"/>).</summary>
    public const int LeaveScratch = 5;
    /// <summary>INIT/SIPI state (<see cref="X86InitSipi"/>; a u32 of flags) and the SIPI vector on the way.</summary>
    public const int InitSipiFlags = 6;
    public const int SipiVector = 7;
    /// <summary>CR0 bits VMX keeps at 1 (PE and PG excepted: unrestricted guest), and those it lets be 1
    /// (IA32_VMX_CR0_FIXED0/1, read once per CPU).</summary>
    public const int Cr0Required1 = 8;
    public const int Cr0Maybe1 = 9;
}
