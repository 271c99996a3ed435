namespace Jailhouse.Hypervisor;

/// <summary>
/// The shared corelib (hypervisor/runtime/) ends every body that must not run in
/// Jailhouse.Hypervisor.Panic.Halt; in an inmate that name leads to <see cref="Jailhouse.Inmate.Inmate.Fail"/>.
/// (Its other outward call, Jailhouse.Hypervisor.Memory, is the hypervisor's own Memory.cs,
/// compiled in unchanged.)
/// </summary>
internal static class Panic
{
    public static void Halt(string reason) => Jailhouse.Inmate.Inmate.Fail(reason);
}
