using System.Diagnostics.CodeAnalysis;

namespace Jailhouse.Cli;

/// <summary>
/// Which commands this binary carries. The host build has every command; the NativeAOT publish for
/// targets (recipes/cli.cake, `-p:JailhouseTargetFlavor=true`) turns the switch off, and the
/// compiler then drops the build-host commands and all code only they reach, so a target carries
/// the configuration model, `config collect`, the driver commands and `console`.
/// </summary>
internal static class Flavor
{
    public const string HostCommandsSwitch = "Jailhouse.Cli.HostCommands";

    [FeatureSwitchDefinition(HostCommandsSwitch)]
    public static bool HostCommands => !AppContext.TryGetSwitch(HostCommandsSwitch, out bool enabled) || enabled;
}
