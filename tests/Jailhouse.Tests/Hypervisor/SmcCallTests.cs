using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>The policy for a cell's firmware calls (SmcCalls.Decide).</summary>
public sealed class SmcCallTests
{
    private static readonly FirmwareFeatures NoSmccc = FirmwareFeatures.None;

    /// <summary>Firmware as on a Cortex-A72 board with TF-A: SMCCC 1.2, branch predictor and SSBD
    /// workarounds, no need for the BHB one.</summary>
    private static readonly FirmwareFeatures Mitigating = new()
    {
        SmcccVersion = 0x1_0002, Workaround1 = SmcCalls.Success, Workaround2 = SmcCalls.Success, Workaround3 = -2,
    };

    [Theory]
    [InlineData(0x8400_0000u, (int)SmcCalls.Decision.Forward)]  // PSCI_VERSION
    [InlineData(0x8400_0008u, (int)SmcCalls.Decision.Unknown)]  // SYSTEM_OFF: refused as upstream (NOT_SUPPORTED)
    [InlineData(0x8400_0009u, (int)SmcCalls.Decision.Unknown)]  // SYSTEM_RESET: likewise
    [InlineData(0xc400_0004u, (int)SmcCalls.Decision.Emulate)]  // AFFINITY_INFO (64-bit)
    [InlineData(0x8000_0000u, (int)SmcCalls.Decision.Answer)]   // SMCCC_VERSION
    [InlineData(0x8000_0001u, (int)SmcCalls.Decision.Answer)]   // SMCCC_ARCH_FEATURES
    [InlineData(0x8400_000au, (int)SmcCalls.Decision.Answer)]   // PSCI_FEATURES
    [InlineData(0xc400_0003u, (int)SmcCalls.Decision.Emulate)]  // CPU_ON (64-bit)
    [InlineData(0x8400_0003u, (int)SmcCalls.Decision.Emulate)]  // CPU_ON (32-bit)
    [InlineData(0x8400_0002u, (int)SmcCalls.Decision.Emulate)]  // CPU_OFF
    [InlineData(0x8400_0005u, (int)SmcCalls.Decision.Deny)]     // MIGRATE
    [InlineData(0xc400_0001u, (int)SmcCalls.Decision.Deny)]     // CPU_SUSPEND
    [InlineData(0x8000_8000u, (int)SmcCalls.Decision.Unknown)]  // ARCH_WORKAROUND_1 without firmware support
    [InlineData(0xc200_0000u, (int)SmcCalls.Decision.Unknown)]  // a SiP service
    [InlineData(0u, (int)SmcCalls.Decision.Unknown)]
    public void FirmwareCallsAreForwardedAnsweredDeniedOrUnknown(uint functionId, int expected) =>
        Assert.Equal((SmcCalls.Decision)expected, SmcCalls.Decide(functionId, NoSmccc));

    /// <summary>
    /// The defect this guards against: the cell was told (by the firmware) that a workaround
    /// exists, but its calls were answered NOT_SUPPORTED without reaching the firmware. Now a
    /// workaround is advertised exactly when its call is forwarded, for any firmware.
    /// </summary>
    [Theory]
    [InlineData(0x1_0002L, 0L, 0L, -2L)]
    [InlineData(0x1_0001L, 0L, -1L, 0L)]
    [InlineData(0x1_0001L, -2L, 1L, -1L)]
    [InlineData(-1L, -1L, -1L, -1L)]
    public void AWorkaroundIsAdvertisedExactlyWhenItsCallReachesTheFirmware(long version, long wa1, long wa2, long wa3)
    {
        var firmware = new FirmwareFeatures { SmcccVersion = version, Workaround1 = wa1, Workaround2 = wa2, Workaround3 = wa3 };
        foreach (uint workaround in new[] { SmcCalls.SmcccArchWorkaround1, SmcCalls.SmcccArchWorkaround2, SmcCalls.SmcccArchWorkaround3 })
        {
            long advertised = SmcCalls.Answer(SmcCalls.SmcccArchFeatures, workaround, firmware);
            Assert.Equal(advertised >= 0, SmcCalls.Decide(workaround, firmware) == SmcCalls.Decision.Forward);
            Assert.Equal(version >= SmcCalls.SmcccVersion11 ? firmware.Workaround(workaround) : SmcCalls.NotSupported, advertised);
        }
    }

    [Fact]
    public void FeatureQueriesAreAnsweredFromTheFirmwareAndTheHypervisorsPolicy()
    {
        Assert.Equal(0x1_0002L, SmcCalls.Answer(SmcCalls.SmcccVersion, 0, Mitigating));
        Assert.Equal(SmcCalls.Success, SmcCalls.Answer(SmcCalls.SmcccArchFeatures, SmcCalls.SmcccArchFeatures, Mitigating));
        Assert.Equal(SmcCalls.NotSupported, SmcCalls.Answer(SmcCalls.SmcccArchFeatures, 0x8000_0002, Mitigating)); // SOC_ID: not passed on
        Assert.Equal(SmcCalls.Success, SmcCalls.Answer(SmcCalls.PsciFeatures, SmcCalls.SmcccVersion, Mitigating));
        Assert.Equal(SmcCalls.Success, SmcCalls.Answer(SmcCalls.PsciFeatures, SmcCalls.PsciCpuOn64, Mitigating));
        Assert.Equal(SmcCalls.NotSupported, SmcCalls.Answer(SmcCalls.PsciFeatures, SmcCalls.PsciCpuSuspend64, Mitigating)); // denied
        Assert.Equal(SmcCalls.NotSupported, SmcCalls.Answer(SmcCalls.PsciFeatures, SmcCalls.PsciSystemOff, Mitigating));
        Assert.Equal(SmcCalls.NotSupported, SmcCalls.Answer(SmcCalls.PsciFeatures, SmcCalls.PsciSystemReset, Mitigating));
        Assert.True(Mitigating.HardenBranchPredictor);

        Assert.Equal(SmcCalls.NotSupported, SmcCalls.Answer(SmcCalls.SmcccVersion, 0, NoSmccc));
        Assert.Equal(SmcCalls.NotSupported, SmcCalls.Answer(SmcCalls.SmcccArchFeatures, SmcCalls.SmcccArchFeatures, NoSmccc));
        Assert.Equal(SmcCalls.NotSupported, SmcCalls.Answer(SmcCalls.PsciFeatures, SmcCalls.SmcccVersion, NoSmccc));
        Assert.False(NoSmccc.HardenBranchPredictor);
    }

    /// <summary>A firmware for <see cref="FirmwareFeatures.Discover"/>: answers from a table, records the calls.</summary>
    private static Dictionary<(uint, uint), long> firmwareAnswers = [];
    private static readonly List<uint> FirmwareCalls = [];

    private static unsafe void SimulatedFirmware(ulong* registers)
    {
        uint function = (uint)registers[0];
        FirmwareCalls.Add(function);
        long answer = firmwareAnswers.TryGetValue((function, (uint)registers[1]), out long value) ? value : SmcCalls.NotSupported;
        registers[0] = unchecked((ulong)answer);
    }

    [Fact]
    public unsafe void DiscoveryAsksInTheConventionsOrderAndStopsWhereTheFirmwareKnowsNoMore()
    {
        firmwareAnswers = new()
        {
            [(SmcCalls.PsciVersion, 0)] = 0x1_0001, // PSCI 1.1
            [(SmcCalls.PsciFeatures, SmcCalls.SmcccVersion)] = 0,
            [(SmcCalls.SmcccVersion, 0)] = 0x1_0002,
            [(SmcCalls.SmcccArchFeatures, SmcCalls.SmcccArchFeatures)] = 0,
            [(SmcCalls.SmcccArchFeatures, SmcCalls.SmcccArchWorkaround1)] = 0,
            [(SmcCalls.SmcccArchFeatures, SmcCalls.SmcccArchWorkaround2)] = 1,
        };
        FirmwareCalls.Clear();
        var features = FirmwareFeatures.Discover(&SimulatedFirmware);
        Assert.Equal((0x1_0002L, 0L, 1L, SmcCalls.NotSupported),
            (features.SmcccVersion, features.Workaround1, features.Workaround2, features.Workaround3));

        // PSCI 0.2 (QEMU's own, for one): no SMCCC call is made at all, nothing is offered.
        firmwareAnswers = new() { [(SmcCalls.PsciVersion, 0)] = 0x2 };
        FirmwareCalls.Clear();
        features = FirmwareFeatures.Discover(&SimulatedFirmware);
        Assert.Equal([SmcCalls.PsciVersion], FirmwareCalls);
        Assert.Equal(SmcCalls.NotSupported, features.SmcccVersion);

        // PSCI 1.0 without SMCCC_VERSION: asked, refused, no architecture call follows.
        firmwareAnswers = new() { [(SmcCalls.PsciVersion, 0)] = 0x1_0000 };
        FirmwareCalls.Clear();
        features = FirmwareFeatures.Discover(&SimulatedFirmware);
        Assert.Equal([SmcCalls.PsciVersion, SmcCalls.PsciFeatures], FirmwareCalls);
        Assert.False(features.HardenBranchPredictor);
    }

    /// <summary>SMC32 calls take 32-bit arguments: what the cell left in bits 63:32 is not part of them.</summary>
    [Theory]
    [InlineData(0x8400_0003u, 0xdead_beef_0000_0001UL, 0x1UL)]                    // CPU_ON (32-bit)
    [InlineData(0x8400_0004u, 0xffff_ffff_8000_0002UL, 0x8000_0002UL)]            // AFFINITY_INFO (32-bit)
    [InlineData(0xc400_0003u, 0xdead_beef_0000_0001UL, 0xdead_beef_0000_0001UL)] // CPU_ON (64-bit): all of it
    public void Smc32_arguments_are_cut_to_32_bits(uint functionId, ulong register, ulong expected)
    {
        Assert.Equal(expected, SmcCalls.Argument(functionId, register));
        var table = new CpuAffinityTable();
        CpuAffinity.Record(ref table, 1, 0x8000_0001);
        CpuAffinity.Record(ref table, 2, 0x8000_0002);
        Assert.Equal(-1, CpuAffinity.CpuOf(table, register));                          // as the cell left it: no CPU
        Assert.Equal(functionId == 0xc400_0003u ? -1 : (long)(expected & 0xff), CpuAffinity.CpuOf(table, SmcCalls.Argument(functionId, register)));
    }

    /// <summary>
    /// CPU_ON's check-then-set runs under a lock: while another CPU (3) is inside CPU_ON, a
    /// second call waits, and then finds the CPU already waking (two callers cannot both start
    /// it, nor overwrite each other's entry point).
    /// </summary>
    [Fact]
    public unsafe void Cpu_on_waits_for_another_cpus_cpu_on()
    {
        var cpu = new PerCpu();
        PerCpu* target = &cpu;
        PsciEmulation.CpuOff(target);
        CpuOwnership.Lock.Acquire(3);
        long result = 99;
        var caller = new Thread(() => result = PsciEmulation.CpuOn(1, null, target, 0x2000, 2)) { IsBackground = true };
        caller.Start();
        Assert.False(caller.Join(TimeSpan.FromMilliseconds(500)));      // waits for CPU 3
        Assert.Equal(99, result);
        // CPU 3's CPU_ON for the same CPU completes first ...
        target->WakeEntry = 0x1000;
        target->WakeContext = 3;
        target->PowerState = PowerState.Waking;
        CpuOwnership.Lock.Release();
        Assert.True(caller.Join(TimeSpan.FromSeconds(5)));
        // ... and the second one sees it.
        Assert.Equal(PsciEmulation.AlreadyOn, result);
        Assert.Equal((0x1000UL, 3UL), (target->WakeEntry, target->WakeContext));
    }

    [Fact]
    public unsafe void CpuOnStartsOnlyACpuThatWaitsInTheHypervisor()
    {
        var cpu = new PerCpu();
        PerCpu* target = &cpu;
        Assert.Equal(PsciEmulation.Denied, PsciEmulation.CpuOn(0, null, target, 0x4020_0000, 7));      // never entered
        target->PowerState = PowerState.Running;
        Assert.Equal(PsciEmulation.AlreadyOn, PsciEmulation.CpuOn(0, null, target, 0x4020_0000, 7));
        Assert.Equal(PsciEmulation.AffinityOn, PsciEmulation.AffinityInfo(target));
        Assert.False(PsciEmulation.TryWake(target));

        PsciEmulation.CpuOff(target);
        Assert.Equal(PsciEmulation.AffinityOff, PsciEmulation.AffinityInfo(target));
        Assert.Equal(PsciEmulation.Success, PsciEmulation.CpuOn(0, null, target, 0x4020_0000, 7));
        Assert.Equal(PsciEmulation.AlreadyOn, PsciEmulation.CpuOn(0, null, target, 0x4030_0000, 8)); // waking: no second entry
        Assert.Equal((0x4020_0000UL, 7UL), (target->WakeEntry, target->WakeContext));
        Assert.True(PsciEmulation.TryWake(target));
        Assert.Equal(PowerState.Running, target->PowerState);

        Assert.Equal(PsciEmulation.InvalidParameters, PsciEmulation.CpuOn(0, null, null, 0, 0));
    }
}
