using System.Globalization;

namespace Jailhouse.Boot;

/// <summary>
/// The board's QEMU machine with other values for what a test or benchmark varies: the GIC
/// version (arm64 virt), the CPU count and the CPU model. Everything else stays the board's.
/// </summary>
public sealed record QemuMachineVariant(int? GicVersion = null, int? Cpus = null, string? CpuModel = null)
{
    public bool IsEmpty => GicVersion is null && Cpus is null && CpuModel is null;

    /// <summary>The board's QEMU arguments with this variant applied.</summary>
    public IReadOnlyList<string> Apply(BoardDescription board)
    {
        var qemu = board.Qemu ?? throw new InputException(board.Origin, $"board {board.Name} has no qemu section: it cannot boot in QEMU");
        var arguments = qemu.Arguments.ToList();
        if (GicVersion is { } gic)
        {
            int machine = ValueOf(board, arguments, "-M", "-machine");
            var options = arguments[machine].Split(',').Where(o => !o.StartsWith("gic-version=", StringComparison.Ordinal) && !o.StartsWith("its=", StringComparison.Ordinal)).ToList();
            if (!options[0].StartsWith("virt", StringComparison.Ordinal))
                throw new InputException(board.Origin, $"board {board.Name}: a GIC version can be chosen on QEMU's virt machine only, not {options[0]}");
            options.Add($"gic-version={gic}");
            // The hypervisor hands no ITS to the root cell (upstream's QEMU setup has its=off too).
            options.Add("its=off");
            arguments[machine] = string.Join(',', options);
        }
        if (Cpus is { } cpus)
            arguments[ValueOf(board, arguments, "-smp")] = cpus.ToString(CultureInfo.InvariantCulture);
        if (CpuModel is { } model)
            arguments[ValueOf(board, arguments, "-cpu")] = model;
        return arguments;
    }

    private static int ValueOf(BoardDescription board, List<string> arguments, params string[] names)
    {
        int index = arguments.FindIndex(a => names.Contains(a, StringComparer.Ordinal));
        if (index < 0 || index + 1 >= arguments.Count)
            throw new InputException(board.Origin, $"board {board.Name}: its qemu args have no {names[0]} VALUE to vary");
        return index + 1;
    }

    public override string ToString() =>
        string.Join(", ", new[]
        {
            GicVersion is { } g ? $"GICv{g}" : null,
            Cpus is { } c ? $"{c} CPUs" : null,
            CpuModel is { } m ? $"-cpu {m}" : null,
        }.Where(s => s is not null));
}
