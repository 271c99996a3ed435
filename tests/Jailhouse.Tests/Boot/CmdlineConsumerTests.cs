using Jailhouse.Boot;
using Jailhouse.Images;

namespace Jailhouse.Tests.Boot;

/// <summary>Each command-line emitter held against its real consumer.</summary>
public sealed class CmdlineConsumerTests : TempDirectoryTest
{
    private static readonly string[] Arguments = ["console=ttyS0,115200", "memmap=66M$0x3b000000", "intel_iommu=off"];

    [Fact]
    public void RawIsTheArgumentsJoined() =>
        Assert.Equal("console=ttyS0,115200 memmap=66M$0x3b000000 intel_iommu=off", CmdlineEmitters.Emit(CmdlineConsumer.Raw, Arguments));

    /// <summary>
    /// /etc/default/grub through the real grub-mkconfig, run in a bubblewrap sandbox over a fake
    /// /boot and /etc/default (grub-probe is stubbed: there is no disk to probe). The linux line it
    /// writes must carry the same escaped arguments as our grub.cfg, which the QEMU boot tests prove.
    /// </summary>
    [Fact]
    public void DefaultGrubGoesThroughGrubMkconfigIntact()
    {
        Directory.CreateDirectory(Path.Combine(temp, "boot", "grub"));
        Directory.CreateDirectory(Path.Combine(temp, "default"));
        string release = TestPackages.Pinned.KernelRelease("amd64");
        File.WriteAllText(Path.Combine(temp, "boot", $"vmlinuz-{release}"), "kernel");
        File.WriteAllText(Path.Combine(temp, "boot", $"initrd.img-{release}"), "initrd");
        File.WriteAllText(Path.Combine(temp, "default", "grub"),
            "GRUB_DEFAULT=0\nGRUB_TIMEOUT=0\nGRUB_DISTRIBUTOR=Debian\nGRUB_DISABLE_OS_PROBER=true\nGRUB_CMDLINE_LINUX=\"\"\n"
            + CmdlineEmitters.Emit(CmdlineConsumer.DefaultGrub, Arguments) + "\n");
        string probe = Path.Combine(temp, "grub-probe");
        File.WriteAllText(probe, "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in --target=device) echo /dev/sda1;; --target=fs) echo ext2;; " +
            "--target=fs_uuid) echo 00000000-0000-0000-0000-000000000001;; --target=partmap) echo gpt;; --target=drive) echo '(hd0,gpt1)';; " +
            "--target=compatibility_hint) echo hd0,gpt1;; --target=*) echo;; esac; done\n");
        File.SetUnixFileMode(probe, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);

        string cfg = Tool.Ok("bwrap", "--ro-bind", "/", "/", "--bind", Path.Combine(temp, "boot"), "/boot",
            "--bind", Path.Combine(temp, "default"), "/etc/default", "--bind", probe, "/usr/sbin/grub-probe",
            "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "grub-mkconfig");
        var linux = cfg.Split('\n').Where(l => l.TrimStart().StartsWith("linux", StringComparison.Ordinal) && !l.Contains(" single")).ToList();
        Assert.NotEmpty(linux);
        Assert.All(linux, l => Assert.EndsWith(" " + CmdlineEmitters.Emit(CmdlineConsumer.GrubCfg, Arguments), l));
        Assert.Contains("memmap=66M\\$0x3b000000", linux[0]);
        // The menu entry itself is valid GRUB script (the stubbed probe makes other parts odd).
        string file = Path.Combine(temp, "entry.cfg");
        File.WriteAllText(file, "menuentry test {\n" + linux[0] + "\n}\n");
        Tool.Ok("grub-script-check", file);
    }

    [Fact]
    public void UBootCommandKeepsTheDollarLiteral() =>
        Assert.Equal("setenv bootargs 'console=ttyS0,115200 memmap=66M$0x3b000000 intel_iommu=off'", CmdlineEmitters.Emit(CmdlineConsumer.UBoot, Arguments));

    /// <summary>extlinux.conf booted by Debian's U-Boot for QEMU arm64: the kernel sees the APPEND line intact.</summary>
    [Trait("Tier", "Images")]
    [Fact]
    public void ExtlinuxBootsThroughUBoot()
    {
        string board = Path.Combine(Paths.RepositoryRoot, "artifacts", "qemu-arm64");
        Assert.True(File.Exists(Path.Combine(board, "initrd.img")), "run `dotnet cake --target=Assemble --board=qemu-arm64` first (./test.sh does)");
        string[] arguments = ["console=ttyAMA0", "kvm-arm.mode=none", "memmap=1M$0x0", "jailhouse.note=a$b"];
        string artifacts = Path.Combine(temp, "art");
        Directory.CreateDirectory(Path.Combine(artifacts, "extlinux"));
        File.WriteAllText(Path.Combine(artifacts, "extlinux", "extlinux.conf"),
            "DEFAULT jailhouse\nTIMEOUT 0\nLABEL jailhouse\n    KERNEL /Image\n    INITRD /initrd.img\n" + CmdlineEmitters.Emit(CmdlineConsumer.Extlinux, arguments) + "\n");
        File.Copy(Path.Combine(board, "kernel", "Image"), Path.Combine(artifacts, "Image"));
        File.Copy(Path.Combine(board, "initrd.img"), Path.Combine(artifacts, "initrd.img"));
        var description = ImageDescriptionReader.Read("""
            images:
              - file: disk.img
                size: 64M
                table: gpt
                partitions:
                  - { name: boot, type: basic-data, bootable: true, filesystem: fat16, files: { extlinux/extlinux.conf: extlinux/extlinux.conf, Image: Image, initrd.img: initrd.img } }
            """, "image.yaml", "uboot-test");
        new ImageBuilder(description, artifacts, DateTimeOffset.UnixEpoch).Build(temp);
        var result = Tool.Run("timeout", "180", "qemu-system-aarch64", "-M", "virt,virtualization=on", "-cpu", "cortex-a72", "-m", "1G", "-nographic",
            "-no-reboot", "-bios", "/usr/lib/u-boot/qemu_arm64/u-boot.bin", "-drive", $"file={Path.Combine(temp, "disk.img")},format=raw,if=virtio");
        Assert.Contains("Retrieving file: /extlinux/extlinux.conf", result.Output);
        Assert.Contains("jailhouse-image: cmdline " + string.Join(' ', arguments), result.Output);
    }
}
