using System.Buffers.Binary;
using System.Text;
using Jailhouse.Hypervisor;

namespace Jailhouse.Binaries;

/// <summary>What <see cref="HypervisorLinker.Link"/> produced: the flat image, the ELF with symbols and the header's build-time fields.</summary>
public sealed record HypervisorImage(string BinPath, string ElfPath, long Size, ulong CoreSize, ulong PerCpuSize, ulong EntryOffset, ulong ConsolePageOffset);

/// <summary>
/// Links the hypervisor: ILCompiler's object of the C# core (hypervisor/, published with
/// `dotnet publish -r linux-arm64|linux-x64`) plus the assembly of hypervisor/header.S and
/// hypervisor/arch/&lt;arch&gt;/*.S (clang's integrated assembler) with ld.lld and the
/// architecture's linker script into jailhouse.elf (symbols, no debug sections) and the flat
/// jailhouse.bin (objcopy -O binary) whose first bytes are struct jailhouse_header. The header
/// is checked before the files are renamed into place.
/// </summary>
public static class HypervisorLinker
{
    public const int HeaderSize = HypervisorHeader.Size;

    /// <param name="LinkFlags">x86 links a position-independent image: the driver maps it wherever
    /// its kernel's ioremap puts it, and arch_entry applies the R_X86_64_RELATIVE relocations.</param>
    private sealed record Toolchain(string ClangTarget, string ObjCopy, string Rid, string[] LinkFlags);

    private static Toolchain For(string arch) => arch switch
    {
        "arm64" => new("aarch64-linux-gnu", "aarch64-linux-gnu-objcopy", "linux-arm64", []),
        "x86" => new("x86_64-linux-gnu", "objcopy", "linux-x64", ["--pie", "-z", "notext", "-z", "norelro", "--no-dynamic-linker"]),
        _ => throw new InputException(new SourceLocation("--arch", 0, 0), $"expected arm64 or x86, found \"{arch}\""),
    };

    /// <summary>The runtime identifier `dotnet publish` needs for an architecture folder name.</summary>
    public static string RuntimeIdentifier(string arch) => For(arch).Rid;

    /// <summary>Where ILCompiler leaves the object for a configuration and architecture.</summary>
    public static string IlcObject(string hypervisorDirectory, string configuration, string arch) =>
        Path.Combine(hypervisorDirectory, "obj", configuration, "net10.0", For(arch).Rid, "native", "jailhouse.o");

    /// <summary>The assembler include directory of the freestanding corelib for <paramref name="arch"/>
    /// (runtime.h: the ILCompiler runtime symbols and sysreg accessor macros the hypervisor and the
    /// C# inmates share).</summary>
    public static string RuntimeIncludeDirectory(string hypervisorDirectory, string arch) =>
        Path.Combine(hypervisorDirectory, "runtime", "arch", arch);

    public static HypervisorImage Link(string hypervisorDirectory, string arch, string ilcObject, string outputDirectory)
    {
        var tools = For(arch);
        if (!File.Exists(ilcObject))
            throw new InputException(new SourceLocation(ilcObject, 0, 0),
                $"expected ILCompiler's object; run `dotnet publish {Path.Combine(hypervisorDirectory, "Jailhouse.Hypervisor.csproj")} -c Release -r {tools.Rid}` first");
        string archDirectory = Path.Combine(hypervisorDirectory, "arch", arch);
        var sources = new List<string> { Path.Combine(hypervisorDirectory, "header.S") };
        sources.AddRange(Directory.EnumerateFiles(archDirectory, "*.S").Order(StringComparer.Ordinal));

        Directory.CreateDirectory(outputDirectory);
        string work = Path.Combine(outputDirectory, ".link-tmp");
        if (Directory.Exists(work))
            Directory.Delete(work, true);
        Directory.CreateDirectory(work);
        try
        {
            var objects = new List<string>();
            foreach (string source in sources)
            {
                string obj = Path.Combine(work, Path.GetFileNameWithoutExtension(source) + ".o");
                Run("clang", ["--target=" + tools.ClangTarget, "-c", "-I", archDirectory, "-I", RuntimeIncludeDirectory(hypervisorDirectory, arch), "-o", obj, source], source);
                objects.Add(obj);
            }
            objects.Add(ilcObject);
            string elf = Path.Combine(work, "jailhouse.elf");
            string bin = Path.Combine(work, "jailhouse.bin");
            string script = Path.Combine(archDirectory, "hypervisor.lds");
            Run("ld.lld", ["-T", script, .. tools.LinkFlags, "--no-undefined", "--build-id=none", "--strip-debug", "-o", elf, .. objects], script);
            Run(tools.ObjCopy, ["-O", "binary", elf, bin], elf);

            var image = Check(bin, File.ReadAllBytes(bin));
            string finalElf = Path.Combine(outputDirectory, "jailhouse.elf");
            string finalBin = Path.Combine(outputDirectory, "jailhouse.bin");
            File.Move(elf, finalElf, true);
            File.Move(bin, finalBin, true);
            return image with { BinPath = finalBin, ElfPath = finalElf };
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }

    /// <summary>Checks what the driver checks and relies on: signature, a core that covers the
    /// image, an entry inside the image, page-aligned core and per-CPU sizes, driver fields zero.</summary>
    public static HypervisorImage Check(string path, ReadOnlySpan<byte> image)
    {
        InputException Error(int offset, string message) => new(SourceLocation.AtByte(path, offset), message);
        if (image.Length < HeaderSize
            || !image.Slice(HypervisorHeader.SignatureOffset, HypervisorHeader.SignatureLength).SequenceEqual(Encoding.ASCII.GetBytes(HypervisorHeader.SignatureText)))
            throw Error(HypervisorHeader.SignatureOffset, $"expected the hypervisor header signature \"{HypervisorHeader.SignatureText}\"");
        ulong coreSize = BinaryPrimitives.ReadUInt64LittleEndian(image[HypervisorHeader.CoreSizeOffset..]);
        ulong perCpuSize = BinaryPrimitives.ReadUInt64LittleEndian(image[HypervisorHeader.PerCpuSizeOffset..]);
        ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(image[HypervisorHeader.EntryOffset..]);
        ulong consolePage = BinaryPrimitives.ReadUInt64LittleEndian(image[HypervisorHeader.ConsolePageOffset..]);
        if (coreSize < (ulong)image.Length || coreSize % 4096 != 0)
            throw Error(HypervisorHeader.CoreSizeOffset, $"expected a page-aligned core_size of at least the image size {image.Length}, found 0x{coreSize:x}");
        if (perCpuSize == 0 || perCpuSize % 4096 != 0)
            throw Error(HypervisorHeader.PerCpuSizeOffset, $"expected a page-aligned percpu_size, found 0x{perCpuSize:x}");
        if (entry < HeaderSize || entry >= (ulong)image.Length)
            throw Error(HypervisorHeader.EntryOffset, $"expected the entry offset inside the image, found 0x{entry:x}");
        if (consolePage % 4096 != 0 || consolePage >= coreSize)
            throw Error(HypervisorHeader.ConsolePageOffset, $"expected a page-aligned console page inside the core, found 0x{consolePage:x}");
        if (image[HypervisorHeader.BuildFieldsEnd..HeaderSize].IndexOfAnyExcept((byte)0) >= 0)
            throw Error(HypervisorHeader.BuildFieldsEnd, "expected the driver's header fields (max_cpus onwards) to be zero in the image");
        return new HypervisorImage(path, "", image.Length, coreSize, perCpuSize, entry, consolePage);
    }

    private static void Run(string program, string[] arguments, string subject)
    {
        var result = ExternalTool.Run(program, arguments);
        if (result.ExitCode != 0)
            throw new InputException(new SourceLocation(subject, 0, 0), $"{program} failed (exit {result.ExitCode}): {result.Output.Trim()}");
    }
}
