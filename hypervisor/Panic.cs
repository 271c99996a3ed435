namespace Jailhouse.Hypervisor;

/// <summary>
/// The end of the road for a CPU: there are no exceptions in the hypervisor, so every check that
/// cannot be handled prints its reason on the debug console and parks the CPU for good.
/// </summary>
internal static class Panic
{
    public static void Halt(string reason)
    {
        DebugConsole.Write("PANIC: ");
        DebugConsole.Write(reason);
        DebugConsole.Write("\n");
        Arch.Park();
    }
}
