namespace Jailhouse.Hypervisor;

/// <summary>
/// What a cell's SMC (trapped with HCR_EL2.TSC, function ID in w0 per the SMC calling
/// convention) may do. PSCI version is forwarded to the firmware; CPU_ON, CPU_OFF and
/// AFFINITY_INFO are emulated (a CPU started by the firmware would run outside the
/// hypervisor); suspend and migrate are denied. SYSTEM_OFF and SYSTEM_RESET are not supported,
/// as upstream answers them (its PSCI emulation knows neither): the root cell would take the
/// whole machine, and every other cell, down with it; it must disable the hypervisor first. The feature queries (PSCI_FEATURES,
/// SMCCC_VERSION, SMCCC_ARCH_FEATURES) are answered here, from what this CPU's firmware
/// offers (<see cref="FirmwareFeatures"/>, asked once at enable) and what the hypervisor lets
/// through, so that the cell is never told about a call that would then not reach the
/// firmware: the Spectre-v2 and -BHB workarounds (ARCH_WORKAROUND_1/3) and the SSBD switch
/// (ARCH_WORKAROUND_2) go to the firmware exactly when it has them. Every other service is
/// unknown to the cell.
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
    /// <summary>Branch predictor invalidation (Spectre v2).</summary>
    public const uint SmcccArchWorkaround1 = 0x8000_8000;
    /// <summary>Speculative store bypass safe on or off (x1), CVE-2018-3639.</summary>
    public const uint SmcccArchWorkaround2 = 0x8000_7fff;
    /// <summary>Branch history and predictor invalidation (Spectre v2 and BHB).</summary>
    public const uint SmcccArchWorkaround3 = 0x8000_3fff;

    /// <summary>SMCCC 1.1: the first version with SMCCC_ARCH_FEATURES and the workaround calls.</summary>
    public const long SmcccVersion11 = 0x1_0001;

    public const long Success = 0;
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
        /// <summary>A feature query: <see cref="Answer"/>.</summary>
        Answer,
    }

    public static Decision Decide(uint functionId, in FirmwareFeatures firmware) => functionId switch
    {
        PsciVersion => Decision.Forward,
        PsciFeatures or SmcccVersion or SmcccArchFeatures => Decision.Answer,
        PsciCpuOff or PsciCpuOn32 or PsciCpuOn64 or PsciAffinityInfo32 or PsciAffinityInfo64 => Decision.Emulate,
        PsciCpuSuspend32 or PsciCpuSuspend64 or PsciMigrate32 or PsciMigrate64 => Decision.Deny,
        SmcccArchWorkaround1 or SmcccArchWorkaround2 or SmcccArchWorkaround3 =>
            firmware.Workaround(functionId) >= Success ? Decision.Forward : Decision.Unknown,
        _ => Decision.Unknown,
    };

    /// <summary>Bit 30 of a function ID: the SMC64 calling convention (else SMC32).</summary>
    public static bool Is64(uint functionId) => (functionId & 0x4000_0000) != 0;

    /// <summary>
    /// Argument register <paramref name="value"/> as the call sees it: an SMC32 call passes
    /// 32-bit values in w1-w7, and whatever the cell left in bits 63:32 is not part of it.
    /// </summary>
    public static ulong Argument(uint functionId, ulong value) => Is64(functionId) ? value : value & 0xffff_ffff;

    /// <summary>The answer to a feature query <paramref name="functionId"/> about <paramref name="argument"/> (x1).</summary>
    public static long Answer(uint functionId, uint argument, in FirmwareFeatures firmware) => functionId switch
    {
        PsciFeatures => PsciFeature(argument, firmware),
        SmcccVersion => firmware.SmcccVersion >= SmcccVersion11 ? firmware.SmcccVersion : NotSupported,
        SmcccArchFeatures => ArchFeature(argument, firmware),
        _ => NotSupported,
    };

    /// <summary>PSCI_FEATURES: what the cell may call (0 = implemented), not what the firmware has.</summary>
    private static long PsciFeature(uint functionId, in FirmwareFeatures firmware) => functionId switch
    {
        SmcccVersion => firmware.SmcccVersion >= SmcccVersion11 ? Success : NotSupported,
        PsciVersion or PsciFeatures => Success,
        PsciCpuOff or PsciCpuOn32 or PsciCpuOn64 or PsciAffinityInfo32 or PsciAffinityInfo64 => Success,
        _ => NotSupported,
    };

    private static long ArchFeature(uint functionId, in FirmwareFeatures firmware)
    {
        if (firmware.SmcccVersion < SmcccVersion11)
            return NotSupported;
        return functionId switch
        {
            SmcccArchFeatures => Success,
            SmcccArchWorkaround1 or SmcccArchWorkaround2 or SmcccArchWorkaround3 => firmware.Workaround(functionId),
            _ => NotSupported,
        };
    }
}

/// <summary>
/// What one CPU's firmware offers through the SMC calling convention, as it answered at enable
/// (big.LITTLE systems answer per CPU): its SMCCC version (or NOT_SUPPORTED below 1.1) and its
/// SMCCC_ARCH_FEATURES answer for each workaround call.
/// </summary>
internal unsafe struct FirmwareFeatures
{
    public long SmcccVersion;
    public long Workaround1;
    public long Workaround2;
    public long Workaround3;

    public static FirmwareFeatures None => new()
    {
        SmcccVersion = SmcCalls.NotSupported,
        Workaround1 = SmcCalls.NotSupported,
        Workaround2 = SmcCalls.NotSupported,
        Workaround3 = SmcCalls.NotSupported,
    };

    public readonly long Workaround(uint functionId) => functionId switch
    {
        SmcCalls.SmcccArchWorkaround1 => Workaround1,
        SmcCalls.SmcccArchWorkaround2 => Workaround2,
        SmcCalls.SmcccArchWorkaround3 => Workaround3,
        _ => SmcCalls.NotSupported,
    };

    /// <summary>Whether traps to EL2 should invalidate the branch predictor first (ARCH_WORKAROUND_1).</summary>
    public readonly bool HardenBranchPredictor => Workaround1 == SmcCalls.Success;

    /// <summary>
    /// Asks the firmware through <paramref name="smc"/> (x0-x3 in and out), in the order the
    /// convention requires: PSCI 1.0 or later, PSCI_FEATURES(SMCCC_VERSION), SMCCC 1.1 or later,
    /// SMCCC_ARCH_FEATURES(SMCCC_ARCH_FEATURES), then each workaround. Calls outside PSCI are
    /// only made once the firmware said it knows them (firmware may treat unknown SMCs as
    /// undefined instructions).
    /// </summary>
    public static FirmwareFeatures Discover(delegate*<ulong*, void> smc)
    {
        FirmwareFeatures features = None;
        ulong* registers = stackalloc ulong[4];
        long psci = Call(smc, registers, SmcCalls.PsciVersion, 0);
        if (psci < 0 || (psci >> 16) < 1)
            return features;
        if (Call(smc, registers, SmcCalls.PsciFeatures, SmcCalls.SmcccVersion) != SmcCalls.Success)
            return features;
        long version = Call(smc, registers, SmcCalls.SmcccVersion, 0);
        if (version < SmcCalls.SmcccVersion11)
            return features;
        if (Call(smc, registers, SmcCalls.SmcccArchFeatures, SmcCalls.SmcccArchFeatures) != SmcCalls.Success)
            return features;
        features.SmcccVersion = version;
        features.Workaround1 = Call(smc, registers, SmcCalls.SmcccArchFeatures, SmcCalls.SmcccArchWorkaround1);
        features.Workaround2 = Call(smc, registers, SmcCalls.SmcccArchFeatures, SmcCalls.SmcccArchWorkaround2);
        features.Workaround3 = Call(smc, registers, SmcCalls.SmcccArchFeatures, SmcCalls.SmcccArchWorkaround3);
        return features;
    }

    /// <summary>One SMC32 call with its 32-bit signed result.</summary>
    private static long Call(delegate*<ulong*, void> smc, ulong* registers, uint function, uint argument)
    {
        registers[0] = function;
        registers[1] = argument;
        registers[2] = 0;
        registers[3] = 0;
        smc(registers);
        return (int)registers[0];
    }
}
