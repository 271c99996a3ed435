namespace Jailhouse.Hypervisor;

/// <summary>
/// The host's version of the few architecture primitives the shared hypervisor sources call
/// (the image gets them from arch/*/sysregs.S): atomic increments, acquire loads and release
/// stores.
/// </summary>
internal static class Arch
{
    public static uint AtomicIncrement(ref uint value) => Interlocked.Increment(ref value);

    public static uint LoadAcquire(ref uint value) => Volatile.Read(ref value);

    public static void StoreRelease(ref uint value, uint newValue) => Volatile.Write(ref value, newValue);
}
