namespace Jailhouse.Tests;

/// <summary>
/// QEMU's own device tree of a machine (`-machine ...,dumpdtb=`): QEMU writes it and exits
/// without running a guest. The one command line the tests that need a real tree share.
/// </summary>
internal static class QemuDeviceTree
{
    /// <param name="qemu">qemu-system-aarch64 or qemu-system-arm.</param>
    /// <param name="machine">The -machine options before dumpdtb=, e.g. virt,virtualization=on,gic-version=3.</param>
    /// <param name="extra">More options that shape the tree: -kernel, -initrd, -append.</param>
    public static string Dump(string path, string machine, string cpu, int cpus, string memory, string qemu = "qemu-system-aarch64",
        params string[] extra)
    {
        Tool.Ok("timeout", ["60", qemu, "-machine", $"{machine},dumpdtb={path}", "-cpu", cpu, "-smp", $"{cpus}", "-m", memory, "-nographic", .. extra]);
        return path;
    }
}
