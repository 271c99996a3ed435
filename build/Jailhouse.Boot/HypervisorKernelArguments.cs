namespace Jailhouse.Boot;

/// <summary>
/// Kernel arguments every Jailhouse target of an architecture needs so that the hypervisor can
/// take the CPU's hypervisor mode, whatever the board. The boot planner adds them
/// (<see cref="ReservationPlanner.KernelArguments"/>); `kconfig patch` points here when a
/// kernel has no configuration option for the same thing.
/// </summary>
public static class HypervisorKernelArguments
{
    /// <summary>
    /// arm64: on a CPU with VHE (ARMv8.1 and later), Linux 6.1 decides at boot to run itself at
    /// EL2, and neither `kvm-arm.mode=none` nor a config option (CONFIG_ARM64_VHE was removed
    /// in 5.x) stops it. Overriding the ID register field that advertises VHE keeps Linux at EL1
    /// with its hyp stub at EL2, which is what the hypervisor's entry needs.
    /// </summary>
    public const string Arm64NoVhe = "id_aa64mmfr1.vh=0";

    /// <summary>The arguments for a board of Debian architecture <paramref name="debianArch"/>.</summary>
    public static IReadOnlyList<string> For(string debianArch) => debianArch == "arm64" ? [Arm64NoVhe] : [];

    /// <summary>The kconfig options that a kernel may lack because the command line does their job now.</summary>
    public static string? ReplacementFor(string option) => option switch
    {
        "CONFIG_ARM64_VHE" => Arm64NoVhe,
        _ => null,
    };
}
