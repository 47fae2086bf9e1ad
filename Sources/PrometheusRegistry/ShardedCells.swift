import CRegistryShims

/// The cells of one series, split into one shard per thread that updates it.
///
/// A thread adds to its own shard with a plain load and store: no locked instruction, and no cache line that another
/// writer touches, so an update costs about as much as a non-atomic one and does not slow down as threads are added.
/// A reader sums the shards. A thread's shard is created on its first update of the series; slots of exited threads
/// are handed to new threads, so the shards per series stay as few as the threads that update it at once.
/// Updates are not async-signal-safe: a signal handler must not update a series its thread was updating.
struct ShardedCells {
    let set: UnsafeMutablePointer<cregistry_shard_set>
    let cellCount: UInt32

    /// Allocates an empty set of shards of `cellCount` 64-bit cells.
    init(cellCount: Int) {
        self.set = .allocate(capacity: 1)
        self.set.initialize(to: cregistry_shard_set(table: nil, shards: nil, retired: nil))
        self.cellCount = UInt32(cellCount)
    }

    /// Reads the shards of a set allocated elsewhere (rendering reads a counter's cells from a raw address).
    init(address: UnsafeMutableRawPointer, cellCount: Int) {
        self.set = address.assumingMemoryBound(to: cregistry_shard_set.self)
        self.cellCount = UInt32(cellCount)
    }

    /// The set's address, for ``init(address:cellCount:)``.
    var address: UnsafeMutableRawPointer { UnsafeMutableRawPointer(self.set) }

    /// Frees every shard; only from the owner's `deinit`.
    func deallocate() {
        cregistry_shards_free(self.set)
        self.set.deinitialize(count: 1)
        self.set.deallocate()
    }

    /// The calling thread's shard.
    @inline(__always)
    func shard() -> UnsafeMutablePointer<UInt64> {
        cregistry_shard(self.set, self.cellCount)
    }

    /// Adds `amount` to integer cell `index` of the calling thread's shard.
    @inline(__always)
    func add(_ amount: UInt64, at index: Int) {
        cregistry_cell_add_u64(self.shard() + index, amount)
    }

    /// Adds `amount` to the floating-point cell `index` of the calling thread's shard.
    @inline(__always)
    func add(_ amount: Double, at index: Int) {
        cregistry_cell_add_f64(self.shard() + index, amount)
    }

    /// The floating-point cell `index` summed over every shard.
    func doubleSum(at index: Int) -> Double {
        cregistry_shards_sum_f64(self.set, UInt32(index))
    }

    /// A counter's two parts, integer cell 0 and floating-point cell 1, each summed over every shard in one pass.
    func counterSums() -> (integer: UInt64, floating: Double) {
        var integer: UInt64 = 0
        var floating: Double = 0
        cregistry_shards_sum_counter(self.set, &integer, &floating)
        return (integer, floating)
    }

    /// The first `count` integer cells, each summed over every shard.
    func integerSums(count: Int) -> [UInt64] {
        var totals = [UInt64](repeating: 0, count: count)
        totals.withUnsafeMutableBufferPointer { buffer in
            cregistry_shards_sum_cells(self.set, UInt32(count), buffer.baseAddress)
        }
        return totals
    }

    /// Starts over from zero; updates racing with the reset may be lost.
    func reset() {
        cregistry_shards_reset(self.set)
    }

    /// How many thread slots were ever handed out (for tests: exited threads' slots must be reused).
    static var threadSlotsClaimed: Int { Int(cregistry_thread_slots_claimed()) }
}
