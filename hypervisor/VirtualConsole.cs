namespace Jailhouse.Hypervisor;

/// <summary>
/// The hypervisor's console page (struct jailhouse_virt_console: busy, tail, 2048 bytes of
/// content, a ring indexed by tail modulo its size) at header + console_page. With the
/// system flag virtual-debug-console, everything the hypervisor prints also lands here, and
/// the root cell may read the page (see <see cref="CellPaging.MapHypervisorShadow"/>), which is
/// how the driver shows the hypervisor's log. Writers set busy around an update so a reader
/// can retry a torn copy.
/// </summary>
internal static unsafe class VirtualConsole
{
    public const int ContentSize = 2048;
    public const uint SystemFlagVirtualDebugConsole = 1;

    private struct Page
    {
        public volatile uint Busy;
        public volatile uint Tail;
        public fixed byte Content[ContentSize];
    }

    private static Page* page;

    public static void Attach(void* consolePage) => page = (Page*)consolePage;

    public static void Put(byte c)
    {
        if (page == null)
            return;
        page->Busy = 1;
        Arch.MemoryBarrier(); // busy is visible before the content changes
        uint tail = page->Tail;
        page->Content[tail % ContentSize] = c;
        page->Tail = tail + 1;
        Arch.MemoryBarrier(); // the update is complete before busy clears
        page->Busy = 0;
    }
}
