using Jailhouse.DeviceTree;

namespace Jailhouse.Tests.DeviceTree;

[Collection("console")]
public sealed class FdtTests : TempDirectoryTest
{

    private static string Hikey => Path.Combine(DebianKernel.DtbDirectory, "hisilicon", "hi6220-hikey.dtb");

    [Trait("Tier", "Images")]
    [Fact]
    public void EveryDebianArm64DtbRoundTripsByteIdentical()
    {
        var files = Directory.EnumerateFiles(DebianKernel.DtbDirectory, "*.dtb", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count > 500, $"only {files.Count} DTBs found");
        var differing = files.Where(f => !File.ReadAllBytes(f).AsSpan().SequenceEqual(FdtWriter.Write(FdtReader.ReadFile(f)))).ToList();
        Assert.Empty(differing);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void QemuVirtDtbRoundTripsAndDescribesTheGic(int gicVersion)
    {
        string dtb = QemuDeviceTree.Dump(Path.Combine(temp, $"virt-gicv{gicVersion}.dtb"), $"virt,virtualization=on,gic-version={gicVersion}", "cortex-a72", 4, "1G");
        byte[] original = File.ReadAllBytes(dtb);
        var fdt = FdtReader.Read(original, dtb);
        Assert.Equal(original, FdtWriter.Write(fdt));
        var gic = fdt.Root.Descendants().Single(n => n.Name.StartsWith("intc@", StringComparison.Ordinal));
        Assert.Equal(gicVersion == 3 ? "arm,gic-v3" : "arm,cortex-a15-gic", gic.Property("compatible")!.AsString());
        Assert.Equal(0x08000000UL, gic.Reg()[0].Address);
        var uart = fdt.Resolve(fdt.Find("/chosen")!.Property("stdout-path")!.AsString())!;
        Assert.Equal((0x09000000UL, 0x1000UL), uart.Reg()[0]);
    }

    [Trait("Tier", "Images")]
    [Fact]
    public void EditsAreReadBackByDtcAndFdtget()
    {
        var fdt = FdtReader.ReadFile(Hikey);
        FdtEdits.Reserve(fdt, 0x3c000000, 32 << 20, "jailhouse");
        FdtEdits.ShrinkMemory(fdt, 0x3c000000, 32 << 20);
        FdtEdits.SetBootargs(fdt, "console=ttyAMA3,115200 kvm-arm.mode=none");
        FdtEdits.SetStdoutPath(fdt, "serial3:115200n8");
        FdtEdits.Disable(fdt, "/soc/serial@f7112000");
        string edited = Path.Combine(temp, "edited.dtb");
        File.WriteAllBytes(edited, FdtWriter.Write(fdt));

        Tool.Ok("dtc", "-I", "dtb", "-O", "dts", "-o", Path.Combine(temp, "edited.dts"), edited);
        Assert.Equal("console=ttyAMA3,115200 kvm-arm.mode=none", Tool.Ok("fdtget", edited, "/chosen", "bootargs").Trim());
        Assert.Equal("serial3:115200n8", Tool.Ok("fdtget", edited, "/chosen", "stdout-path").Trim());
        Assert.Equal("0 3c000000 0 2000000", Tool.Ok("fdtget", "-t", "x", edited, "/reserved-memory/jailhouse@3c000000", "reg").Trim());
        Assert.Contains("no-map", Tool.Ok("fdtget", "-p", edited, "/reserved-memory/jailhouse@3c000000"));
        Assert.EndsWith("0 22000000 0 1a000000", Tool.Ok("fdtget", "-t", "x", edited, "/memory@0", "reg").Trim());
        Assert.Equal("disabled", Tool.Ok("fdtget", edited, "/soc/serial@f7112000", "status").Trim());
        // The untouched rest survives: a reread of the edited blob writes back the same bytes.
        Assert.Equal(File.ReadAllBytes(edited), FdtWriter.Write(FdtReader.ReadFile(edited)));
    }

    [Fact]
    public void ReservedMemoryIsCreatedWhenAbsent()
    {
        string dtb = QemuDeviceTree.Dump(Path.Combine(temp, "virt.dtb"), "virt,virtualization=on,gic-version=3", "cortex-a72", 1, "1G");
        var fdt = FdtReader.ReadFile(dtb);
        Assert.Null(fdt.Find("/reserved-memory"));
        FdtEdits.Reserve(fdt, 0x70000000, 64 << 20);
        string edited = Path.Combine(temp, "edited.dtb");
        File.WriteAllBytes(edited, FdtWriter.Write(fdt));
        Assert.Equal("0 70000000 0 4000000", Tool.Ok("fdtget", "-t", "x", edited, "/reserved-memory/jailhouse@70000000", "reg").Trim());
        Assert.Equal("2", Tool.Ok("fdtget", edited, "/reserved-memory", "#address-cells").Trim());
        Assert.Contains("ranges", Tool.Ok("fdtget", "-p", edited, "/reserved-memory"));
    }

    private static string Error(byte[] bytes) => Assert.Throws<InputException>(() => FdtReader.Read(bytes, "bad.dtb")).ToString();

    [Trait("Tier", "Images")]
    [Fact]
    public void BadBlobsAreRefusedWithTheirOffset()
    {
        byte[] good = File.ReadAllBytes(Hikey);
        Assert.Equal("bad.dtb: byte offset 0x0: error: expected the device tree magic 0xd00dfeed, found 0x00000000", Error(new byte[64]));
        Assert.Equal("bad.dtb: byte offset 0x14: error: expected device tree version 16 or 17, found 1", Error([.. good[..20], 0, 0, 0, 1, .. good[24..]]));
        Assert.Equal("bad.dtb: byte offset 0xa: error: truncated: a device tree header needs 40 bytes, the file has 10", Error(good[..10]));
        Assert.Equal($"bad.dtb: byte offset 0x4: error: the header's totalsize {good.Length} exceeds the file's 1000 bytes", Error(good[..1000]));

        byte[] badToken = (byte[])good.Clone();
        int structOffset = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(good.AsSpan(8));
        badToken[structOffset + 3] = 7;
        Assert.Equal($"bad.dtb: byte offset 0x{structOffset:x}: error: expected a structure token (1 begin node, 2 end node, 3 property, 4 nop, 9 end), found 0x7", Error(badToken));
    }

    [Trait("Tier", "Images")]
    [Fact]
    public void CliShowAndEditWork()
    {
        string output = Path.Combine(temp, "out.dtb");
        var (exit, stdout, _) = CliTests.RunCli("dt", "edit", Hikey, "--reserve", "0x3c000000+32M:jh", "--bootargs", "console=ttyAMA3", "-o", output);
        Assert.Equal(0, exit);
        Assert.Equal("", stdout);
        Assert.Equal("0 3c000000 0 2000000", Tool.Ok("fdtget", "-t", "x", output, "/reserved-memory/jh@3c000000", "reg").Trim());
        var show = CliTests.RunCli("dt", "show", output);
        Assert.Contains("\t\tjh@3c000000 {\n\t\t\treg = <0x0 0x3c000000 0x0 0x2000000>;\n\t\t\tno-map;\n", show.Out);
        var bad = CliTests.RunCli("dt", "edit", Hikey, "--reserve", "0x3c000000", "-o", output);
        Assert.Equal(2, bad.Exit);
        Assert.Equal("jailhouse: error: --reserve: expected ADDRESS+SIZE like 0x7c000000+64M, found \"0x3c000000\"\nTry 'jailhouse --help' or 'jailhouse dt edit --help'.\n", bad.Err);
    }
}
