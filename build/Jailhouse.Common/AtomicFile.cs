namespace Jailhouse;

/// <summary>Outputs are whole or absent: never a half-written file after an error or a kill.</summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes to a temporary file beside <paramref name="path"/> and renames it, so no half-written
    /// output remains. The directory must exist unless the caller asks for it to be made.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<byte> contents, bool createDirectory = false)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        if (createDirectory)
            Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
