using Jailhouse.Config.Binary;
using Jailhouse.Config.Model;
using HvSystemConfig = Jailhouse.Hypervisor.SystemConfig;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>The hypervisor's in-place view of a system configuration against the build's own reader, on every upstream system configuration.</summary>
public sealed unsafe class SystemConfigViewTests
{
    public static TheoryData<string> SystemConfigurations()
    {
        var data = new TheoryData<string>();
        foreach (string file in Paths.ReferenceFiles())
            if (File.ReadAllBytes(file).AsSpan().StartsWith("JHSYS"u8))
                data.Add(Path.GetRelativePath(Paths.ReferenceCells, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(SystemConfigurations))]
    public void ViewAgreesWithTheConfigurationReader(string name)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Paths.ReferenceCells, name));
        var model = ConfigBinaryReader.Read(bytes, name, out _);
        using var memory = new HypervisorTestMemory(bytes, 1);
        var view = memory.View;
        byte arch = (byte)model.Architecture;

        Assert.Equal(0, view.Check(arch, (ulong)bytes.Length));
        Assert.Equal((ulong)bytes.Length, view.Size);
        Assert.Equal(model.System!.HypervisorMemory.PhysStart, view.HypervisorPhys);
        Assert.Equal(model.System.HypervisorMemory.Size, view.HypervisorSize);
        Assert.Equal(model.System.DebugConsole.Address, view.DebugConsoleAddress);
        Assert.Equal((ushort)model.System.DebugConsole.Type, view.DebugConsoleType);
        Assert.Equal(model.Cell.Name, new string((sbyte*)view.RootCellName));
        Assert.Equal((uint)model.Cell.Cpus.Count, view.CpuCount);
        Assert.Equal((uint)(model.Cell.Cpus.Max + 1), view.MaxCpuId);
        Assert.Equal((uint)model.Cell.Flags, view.RootCellFlags);
        Assert.Equal((uint)model.Cell.MemoryRegions.Count, view.MemoryRegionCount);
        if (model.Architecture != Architecture.X86)
        {
            var arm = model.System.Platform.Arm!;
            Assert.Equal((arm.GicVersion, arm.GicdBase, arm.GiccBase, arm.GicrBase), (view.ArmGicVersion, view.ArmGicdBase, view.ArmGiccBase, view.ArmGicrBase));
        }
        for (int i = 0; i < model.Cell.MemoryRegions.Count; i++)
        {
            var expected = model.Cell.MemoryRegions[i];
            var actual = view.MemoryRegion((uint)i);
            Assert.Equal((expected.PhysStart, expected.VirtStart, expected.Size, (ulong)expected.Flags), (actual.Phys, actual.Virt, actual.Size, actual.Flags));
        }
    }

    [Fact]
    public void CheckRefusesWrongSignatureRevisionArchitectureAndTruncation()
    {
        byte[] good = HypervisorTestMemory.CompileYaml("configs/qemu-arm64/qemu-arm64.yaml");
        int Check(Action<byte[]> corrupt, ulong? length = null, byte arch = HvSystemConfig.ArchArm64)
        {
            byte[] bytes = (byte[])good.Clone();
            corrupt(bytes);
            using var memory = new HypervisorTestMemory(bytes, 1);
            return memory.View.Check(arch, length ?? (ulong)bytes.Length);
        }
        Assert.Equal(0, Check(_ => { }));
        Assert.Equal(Jailhouse.Hypervisor.Errno.EINVAL, Check(b => b[0] = (byte)'X'));
        Assert.Equal(Jailhouse.Hypervisor.Errno.EINVAL, Check(b => b[BinaryLayout.RevisionOffset] = 13));
        Assert.Equal(Jailhouse.Hypervisor.Errno.EINVAL, Check(_ => { }, arch: HvSystemConfig.ArchX86));
        Assert.Equal(Jailhouse.Hypervisor.Errno.EINVAL, Check(_ => { }, length: (ulong)good.Length - 1));
        // A huge memory-region count must not wrap the size computation.
        Assert.Equal(Jailhouse.Hypervisor.Errno.EINVAL, Check(b => BitConverter.TryWriteBytes(b.AsSpan(BinaryLayout.SystemHeaderSize + BinaryLayout.CellNumMemoryRegions), uint.MaxValue)));
        // An unterminated root cell name.
        Assert.Equal(Jailhouse.Hypervisor.Errno.EINVAL, Check(b => b.AsSpan(BinaryLayout.SystemHeaderSize + BinaryLayout.CellName, BinaryLayout.CellNameSize).Fill((byte)'a')));
    }

    /// <summary>Arithmetic on configuration values (issue 12): ranges that wrap, physical addresses
    /// beyond 48 bits, and what the hypervisor reaches itself (sub-page regions, the GIC
    /// distributor) inside hypervisor memory are refused before anything is built from them.</summary>
    [Fact]
    public void CheckRefusesRangesThatWrapLeave48BitsOrReachIntoHypervisorMemory()
    {
        int Check(Action<JailhouseConfig> change)
        {
            var model = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
            change(model);
            byte[] bytes = HypervisorTestMemory.Compile(model);
            using var memory = new HypervisorTestMemory(bytes, 1);
            return memory.View.Check(HvSystemConfig.ArchArm64, (ulong)bytes.Length);
        }
        Jailhouse.Config.Model.MemoryRegion Uart(JailhouseConfig m) => m.Cell.MemoryRegions.First(r => r.Size > 0 && !r.Flags.HasFlag(MemoryFlags.CommRegion));
        const int EINVAL = Jailhouse.Hypervisor.Errno.EINVAL;
        Assert.Equal(0, Check(_ => { }));
        Assert.Equal(EINVAL, Check(m => m.System!.HypervisorMemory.PhysStart = 0xffff_ffff_ffe0_0000));      // wraps
        Assert.Equal(EINVAL, Check(m => m.System!.HypervisorMemory.Size = 0));
        Assert.Equal(EINVAL, Check(m => Uart(m).PhysStart = 0xffff_ffff_ffff_f000));                         // wraps
        Assert.Equal(EINVAL, Check(m => Uart(m).PhysStart = 1UL << 48));                                     // beyond 48 bits
        Assert.Equal(EINVAL, Check(m => Uart(m).VirtStart = 0xffff_ffff_ffff_f000));                         // guest address wraps
        Assert.Equal(0, Check(m => Uart(m).PhysStart = (1UL << 48) - Uart(m).Size));                         // the last page is fine
        // A sub-page io region inside hypervisor memory: the hypervisor would perform the accesses there.
        Assert.Equal(EINVAL, Check(m => m.Cell.MemoryRegions.Add(new Jailhouse.Config.Model.MemoryRegion
        {
            PhysStart = 0x7fc00100, VirtStart = 0x7fc00100, Size = 0x40, Flags = MemoryFlags.Read | MemoryFlags.Io | MemoryFlags.Io32,
        })));
        // The GIC distributor (emulated by the hypervisor) inside hypervisor memory.
        Assert.Equal(EINVAL, Check(m => m.System!.Platform.Arm!.GicdBase = 0x7fc10000));
    }
}
