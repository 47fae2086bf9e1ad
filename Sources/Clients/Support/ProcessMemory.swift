import CLinuxMalloc

/// How the process gives memory back to the system (glibc's allocator).
///
/// glibc serves an allocation of at least the mmap threshold with its own `mmap`, returned to the system by `free`,
/// but raises the threshold (up to 32 MiB) each time such a block is freed, after which large buffers come from the
/// heap and stay resident once freed: a scrape cut at 32 MiB would leave 32 MB behind. Fixing the threshold keeps
/// every large buffer in its own mapping.
public enum ProcessMemory {
    /// Fixes the mmap threshold at `bytes` (which also stops glibc adjusting it). Call once, at start.
    /// - Returns: whether glibc accepted it.
    @discardableResult
    public static func returnLargeBuffersToTheSystem(threshold bytes: Int = 256 << 10) -> Bool {
        mallopt(M_MMAP_THRESHOLD, Int32(clamping: bytes)) == 1
    }

    /// Returns free heap memory to the system (`malloc_trim(0)`); after a large failed request, for example.
    public static func trim() {
        _ = malloc_trim(0)
    }
}
