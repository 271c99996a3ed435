using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>The policy for a cell's firmware calls (SmcCalls.Decide).</summary>
public sealed class SmcCallTests
{
    [Theory]
    [InlineData(0x8400_0000u, (int)SmcCalls.Decision.Forward)]  // PSCI_VERSION
    [InlineData(0x8400_0008u, (int)SmcCalls.Decision.Forward)]  // SYSTEM_OFF
    [InlineData(0x8400_0009u, (int)SmcCalls.Decision.Forward)]  // SYSTEM_RESET
    [InlineData(0xc400_0004u, (int)SmcCalls.Decision.Forward)]  // AFFINITY_INFO (64-bit)
    [InlineData(0x8000_0000u, (int)SmcCalls.Decision.Forward)]  // SMCCC_VERSION
    [InlineData(0xc400_0003u, (int)SmcCalls.Decision.Deny)]     // CPU_ON (64-bit)
    [InlineData(0x8400_0003u, (int)SmcCalls.Decision.Deny)]     // CPU_ON (32-bit)
    [InlineData(0x8400_0002u, (int)SmcCalls.Decision.Deny)]     // CPU_OFF
    [InlineData(0xc400_0001u, (int)SmcCalls.Decision.Deny)]     // CPU_SUSPEND
    [InlineData(0x8000_8000u, (int)SmcCalls.Decision.Unknown)]  // SMCCC_ARCH_WORKAROUND_1 is not offered
    [InlineData(0xc200_0000u, (int)SmcCalls.Decision.Unknown)]  // a SiP service
    [InlineData(0u, (int)SmcCalls.Decision.Unknown)]
    public void Firmware_calls_are_forwarded_denied_or_unknown(uint functionId, int expected) =>
        Assert.Equal((SmcCalls.Decision)expected, SmcCalls.Decide(functionId));
}
