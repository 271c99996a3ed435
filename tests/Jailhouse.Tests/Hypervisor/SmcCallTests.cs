using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>The policy for a cell's firmware calls (SmcCalls.Decide).</summary>
public sealed class SmcCallTests
{
    [Theory]
    [InlineData(0x8400_0000u, (int)SmcCalls.Decision.Forward)]  // PSCI_VERSION
    [InlineData(0x8400_0008u, (int)SmcCalls.Decision.Forward)]  // SYSTEM_OFF
    [InlineData(0x8400_0009u, (int)SmcCalls.Decision.Forward)]  // SYSTEM_RESET
    [InlineData(0xc400_0004u, (int)SmcCalls.Decision.Emulate)]  // AFFINITY_INFO (64-bit)
    [InlineData(0x8000_0000u, (int)SmcCalls.Decision.Forward)]  // SMCCC_VERSION
    [InlineData(0xc400_0003u, (int)SmcCalls.Decision.Emulate)]  // CPU_ON (64-bit)
    [InlineData(0x8400_0003u, (int)SmcCalls.Decision.Emulate)]  // CPU_ON (32-bit)
    [InlineData(0x8400_0002u, (int)SmcCalls.Decision.Emulate)]  // CPU_OFF
    [InlineData(0x8400_0005u, (int)SmcCalls.Decision.Deny)]     // MIGRATE
    [InlineData(0xc400_0001u, (int)SmcCalls.Decision.Deny)]     // CPU_SUSPEND
    [InlineData(0x8000_8000u, (int)SmcCalls.Decision.Unknown)]  // SMCCC_ARCH_WORKAROUND_1 is not offered
    [InlineData(0xc200_0000u, (int)SmcCalls.Decision.Unknown)]  // a SiP service
    [InlineData(0u, (int)SmcCalls.Decision.Unknown)]
    public void Firmware_calls_are_forwarded_denied_or_unknown(uint functionId, int expected) =>
        Assert.Equal((SmcCalls.Decision)expected, SmcCalls.Decide(functionId));

    [Fact]
    public unsafe void Cpu_on_starts_only_a_cpu_that_waits_in_the_hypervisor()
    {
        var cpu = new PerCpu();
        PerCpu* target = &cpu;
        Assert.Equal(PsciEmulation.Denied, PsciEmulation.CpuOn(target, 0x4020_0000, 7));      // never entered
        target->PowerState = PowerState.Running;
        Assert.Equal(PsciEmulation.AlreadyOn, PsciEmulation.CpuOn(target, 0x4020_0000, 7));
        Assert.Equal(PsciEmulation.AffinityOn, PsciEmulation.AffinityInfo(target));
        Assert.False(PsciEmulation.TryWake(target));

        PsciEmulation.CpuOff(target);
        Assert.Equal(PsciEmulation.AffinityOff, PsciEmulation.AffinityInfo(target));
        Assert.Equal(PsciEmulation.Success, PsciEmulation.CpuOn(target, 0x4020_0000, 7));
        Assert.Equal(PsciEmulation.AlreadyOn, PsciEmulation.CpuOn(target, 0x4030_0000, 8)); // waking: no second entry
        Assert.Equal((0x4020_0000UL, 7UL), (target->WakeEntry, target->WakeContext));
        Assert.True(PsciEmulation.TryWake(target));
        Assert.Equal(PowerState.Running, target->PowerState);

        Assert.Equal(PsciEmulation.InvalidParameters, PsciEmulation.CpuOn(null, 0, 0));
        Assert.Equal(3, PsciEmulation.CpuOfMpidr(0x8000_0003));          // MPIDR with the RES1 bit 31
        Assert.Equal(-1, PsciEmulation.CpuOfMpidr(0x100));               // another cluster
    }
}
