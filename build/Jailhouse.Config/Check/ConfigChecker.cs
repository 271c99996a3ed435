using System.Buffers.Binary;
using Jailhouse.Config.Binary;
using Jailhouse.Config.Model;

namespace Jailhouse.Config.Check;

/// <summary>
/// Checks a system configuration and the cells meant to run with it for what the hypervisor
/// would refuse or what would break at run time (see configs/README.md, "Checking"). Usable as a
/// library: generators call <see cref="Check"/> on their models.
/// </summary>
public static class ConfigChecker
{
    private static readonly Action<CheckContext>[] Rules =
    [
        FileRules.Run,
        MemoryRules.Run,
        AddressRules.Run,
        ConsoleRules.Run,
        PlatformRules.Run,
        X86Rules.Run,
        ArmRules.Run,
        PciRules.Run,
        CrossCellRules.Run,
        ReservationRules.Run,
        OwnHypervisorRules.Run,
    ];

    /// <summary>
    /// Checks configurations already in memory. At most one may be a system configuration (its
    /// root cell is checked with the rest); without one, the rules that need the system's
    /// platform (hypervisor memory, MMCONFIG, IOMMU, GIC, root CPUs) are skipped.
    /// </summary>
    public static CheckReport Check(IReadOnlyList<CheckInput> inputs, CheckOptions? options = null)
    {
        var systems = inputs.Where(i => i.Config.IsSystem).ToList();
        if (systems.Count > 1)
            throw new InputException(new SourceLocation(systems[1].File, 0, 0),
                $"a second system configuration (the first is {systems[0].File}): check one system with its cells");
        var root = systems.Count == 1 ? new CheckedCell(systems[0], isRoot: true) : null;
        var nonRoot = inputs.Where(i => !i.Config.IsSystem).Select(i => new CheckedCell(i, isRoot: false)).ToList();
        var context = new CheckContext(root, nonRoot, options ?? new CheckOptions());
        foreach (var rule in Rules)
            rule(context);
        return new CheckReport(inputs.Select(i => i.File).ToList(), Order(context));
    }

    /// <summary>Loads and checks files (binary or YAML). Unreadable files throw <see cref="InputException"/>.</summary>
    public static CheckReport CheckFiles(IReadOnlyList<string> paths, CheckOptions? options = null) =>
        CheckFiles(paths, options, out _);

    /// <summary>As <see cref="CheckFiles(IReadOnlyList{string}, CheckOptions?)"/>, also giving the configurations read (a file of another revision has none).</summary>
    public static CheckReport CheckFiles(IReadOnlyList<string> paths, CheckOptions? options, out IReadOnlyList<CheckInput> loaded)
    {
        var inputs = new List<CheckInput>();
        loaded = inputs;
        var early = new List<Finding>();
        foreach (string path in paths)
        {
            if (Load(path, out var finding) is { } input)
                inputs.Add(input);
            else
                early.Add(finding!);
        }
        var report = Check(inputs, options);
        return early.Count == 0 ? report : new CheckReport(paths, [.. early, .. report.Findings]);
    }

    /// <summary>
    /// Reads a file for checking: binary files tolerantly (index ranges become findings). A
    /// binary file of another format revision cannot be read at all; it becomes a finding.
    /// </summary>
    public static CheckInput? Load(string path, out Finding? revisionMismatch)
    {
        revisionMismatch = null;
        byte[] bytes = InputFiles.Read(path, InputLimit.Configuration);
        if (!ConfigFiles.IsBinary(bytes))
            return new CheckInput(path, ConfigFiles.Parse(bytes, path, out var yamlWarnings), yamlWarnings);
        if (ConfigBinaryReader.HasSignature(bytes) && bytes.Length >= BinaryLayout.PrefixSize)
        {
            ushort revision = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(BinaryLayout.RevisionOffset));
            if (revision != JailhouseConfig.Revision)
            {
                revisionMismatch = new Finding(Severity.Error, "revision-mismatch", path, Path.GetFileName(path), "revision",
                    SourceLocation.AtByte(path, BinaryLayout.RevisionOffset),
                    $"configuration format revision {revision}; this Jailhouse (and every other file checked with it) uses revision {JailhouseConfig.Revision}",
                    $"rebuild the configuration for revision {JailhouseConfig.Revision} (compile its YAML again)");
                return null;
            }
        }
        var config = ConfigBinaryReader.Read(bytes, path, out var warnings, tolerateBadIndices: true);
        return new CheckInput(path, config, warnings);
    }

    /// <summary>Files in the order given, the root cell's system entries first, then by position in the file.</summary>
    private static List<Finding> Order(CheckContext context)
    {
        var fileOrder = context.Cells.Select((c, i) => (c.File, i)).GroupBy(x => x.File).ToDictionary(g => g.Key, g => g.Min(x => x.i));
        return context.Findings
            .Select((f, i) => (Finding: f, Index: i))
            .OrderBy(x => fileOrder.GetValueOrDefault(x.Finding.File, int.MaxValue))
            .ThenBy(x => x.Finding.Location?.Line ?? 0)
            .ThenBy(x => x.Finding.Location?.Column ?? 0)
            .ThenBy(x => x.Finding.Location?.ByteOffset ?? -1)
            .ThenBy(x => x.Index)
            .Select(x => x.Finding)
            .ToList();
    }
}
