using System.Runtime.InteropServices;
using Jailhouse.Config.Binary;
using Jailhouse.Config.Model;
using HvSystemConfig = Jailhouse.Hypervisor.SystemConfig;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// Native, page-aligned memory for running the hypervisor's portable code on the host: a
/// system configuration as the driver would have copied it, and a page pool whose "physical"
/// addresses sit at a chosen base (like hypervisor memory at 0x7fc00000), not at the host
/// pointers, so that every table entry is checked through the pool's translation.
/// </summary>
internal sealed unsafe class HypervisorTestMemory : IDisposable
{
    public const ulong FakePhysBase = 0x7fc40000;

    public byte* Pool { get; }
    public int PoolPages { get; }
    public byte* Config { get; }
    public int ConfigLength { get; }

    public HypervisorTestMemory(byte[] config, int poolPages)
    {
        PoolPages = poolPages;
        Pool = (byte*)NativeMemory.AlignedAlloc((nuint)poolPages * 4096, 4096);
        ConfigLength = config.Length;
        Config = (byte*)NativeMemory.Alloc((nuint)Math.Max(config.Length, 1));
        config.CopyTo(new Span<byte>(Config, config.Length));
    }

    public Jailhouse.Hypervisor.PagePool NewPool() => new(Pool, Pool + (long)PoolPages * 4096, FakePhysBase - (ulong)Pool);

    public HvSystemConfig View => new(Config);

    public ulong* VirtOfPhys(ulong phys) => (ulong*)(phys - FakePhysBase + (ulong)Pool);

    public static byte[] CompileYaml(string relativePath) =>
        ConfigBinaryWriter.Write(ConfigFiles.Load(Path.Combine(Paths.RepositoryRoot, relativePath), out _));

    public static byte[] Compile(JailhouseConfig config) => ConfigBinaryWriter.Write(config);

    public static JailhouseConfig LoadYaml(string relativePath) =>
        ConfigFiles.Load(Path.Combine(Paths.RepositoryRoot, relativePath), out _);

    public void Dispose()
    {
        NativeMemory.AlignedFree(Pool);
        NativeMemory.Free(Config);
    }
}
