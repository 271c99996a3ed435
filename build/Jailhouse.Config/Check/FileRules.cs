using Jailhouse.Config.Text;

namespace Jailhouse.Config.Check;

/// <summary>Rules on the files themselves: bytes after the declared contents or in padding, one architecture for all files.</summary>
internal static class FileRules
{
    public static void Run(CheckContext context)
    {
        foreach (var cell in context.Cells)
        {
            foreach (var warning in cell.ReaderWarnings.Where(w => w.Kind == ReaderWarningKind.TrailingBytes))
                context.Warning("trailing-bytes", cell, "(end of file)", warning.Location, warning.Message,
                    "remove the extra bytes (decompile and compile the file again), or fix the header's counts if an array was cut short");
            // Non-zero padding and the like: the binary carries bytes no field holds.
            foreach (var warning in cell.ReaderWarnings.Where(w => w.Kind == ReaderWarningKind.Other))
                context.Warning("ignored-bytes", cell, "(binary)", warning.Location, warning.Message,
                    "decompile and compile the file again to write those bytes as zero");
            if (cell.Config.Architecture != context.Architecture)
            {
                var reference = context.Root ?? context.Cells[0];
                context.Error("arch-mismatch", cell, "arch", cell.Cell.Origin,
                    $"architecture {Arch(cell)} differs from {Arch(reference)} of {reference.File}: Jailhouse refuses the cell",
                    "use the cell configuration built for this system's architecture");
            }
        }
    }

    private static string Arch(CheckedCell cell) => Names.Architecture.FormatValue((ulong)cell.Config.Architecture);
}
