namespace Jailhouse.Hypervisor;

/// <summary>
/// What a cell's SMC (trapped with HCR_EL2.TSC, function ID in w0 per the SMC calling
/// convention) may do. Firmware services that cannot hurt isolation are forwarded: PSCI
/// version, features, system off and reset, and the SMCCC version and feature queries.
/// CPU_ON, CPU_OFF and AFFINITY_INFO are emulated (a CPU started by the firmware would run
/// outside the hypervisor); suspend and migrate are denied; every other service is unknown
/// to the cell.
/// </summary>
internal static class SmcCalls
{
    public const uint PsciVersion = 0x8400_0000;
    public const uint PsciCpuSuspend32 = 0x8400_0001;
    public const uint PsciCpuOff = 0x8400_0002;
    public const uint PsciCpuOn32 = 0x8400_0003;
    public const uint PsciAffinityInfo32 = 0x8400_0004;
    public const uint PsciMigrate32 = 0x8400_0005;
    public const uint PsciSystemOff = 0x8400_0008;
    public const uint PsciSystemReset = 0x8400_0009;
    public const uint PsciFeatures = 0x8400_000a;
    public const uint PsciCpuSuspend64 = 0xc400_0001;
    public const uint PsciCpuOn64 = 0xc400_0003;
    public const uint PsciAffinityInfo64 = 0xc400_0004;
    public const uint PsciMigrate64 = 0xc400_0005;
    public const uint SmcccVersion = 0x8000_0000;
    public const uint SmcccArchFeatures = 0x8000_0001;

    /// <summary>PSCI_RET_DENIED.</summary>
    public const long Denied = -3;
    /// <summary>SMCCC_RET_NOT_SUPPORTED (also PSCI_RET_NOT_SUPPORTED).</summary>
    public const long NotSupported = -1;

    public enum Decision
    {
        Forward,
        Deny,
        Unknown,
        /// <summary>Power management of the cell's own CPUs: <see cref="PsciEmulation"/>.</summary>
        Emulate,
    }

    public static Decision Decide(uint functionId) => functionId switch
    {
        PsciVersion or PsciSystemOff or PsciSystemReset or PsciFeatures or SmcccVersion or SmcccArchFeatures => Decision.Forward,
        PsciCpuOff or PsciCpuOn32 or PsciCpuOn64 or PsciAffinityInfo32 or PsciAffinityInfo64 => Decision.Emulate,
        PsciCpuSuspend32 or PsciCpuSuspend64 or PsciMigrate32 or PsciMigrate64 => Decision.Deny,
        _ => Decision.Unknown,
    };
}
