import Atomics
import CRegistryShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An integer counter cell that spreads itself over per-CPU stripes once two threads contend for it.
///
/// Until then an increment is one atomic add on `base`. Every time the count crosses a multiple of 256, the
/// incrementing thread records its CPU in `owner`; when that finds a different CPU than the last sample, increments
/// are arriving from several CPUs, and the cell allocates one cache line per CPU. Every later increment adds to the
/// line of the CPU it runs on, so threads on different CPUs stop fighting over one cache line. The value is `base`
/// plus every stripe. Counters only ever touched from one CPU, the vast majority, never allocate.
struct StripedCounterCell {
    /// `base` holds the count until stripes exist; `stripes` holds the address of the stripes, or 0;
    /// `owner` holds 1 + the CPU of the last sampled increment, or 0.
    let base: UnsafeAtomic<UInt64>
    let stripes: UnsafeAtomic<UInt64>
    let owner: UnsafeAtomic<UInt64>

    /// Stripes per cell: the CPU count rounded up to a power of two, at most 64.
    static let stripeCount: Int = {
        #if os(Linux)
        let cpus = max(1, min(64, Int(sysconf(Int32(_SC_NPROCESSORS_CONF)))))
        #else
        let cpus = 8
        #endif
        var count = 1
        while count < cpus { count <<= 1 }
        return count
    }()

    private static let stripeBytes = 64

    @inline(__always)
    func add(_ amount: UInt64) {
        let address = self.stripes.load(ordering: .acquiring)
        if address == 0 {
            let previous = self.base.loadThenWrappingIncrement(by: amount, ordering: .relaxed)
            if (previous ^ (previous &+ amount)) > 0xFF {
                self.sampleOwner()
            }
            return
        }
        Self.addToStripe(address: address, amount: amount)
    }

    /// Out of line, so that the uncontended path above saves no registers.
    @inline(never)
    private static func addToStripe(address: UInt64, amount: UInt64) {
        let stripe = Int(Self.currentCPU()) & (Self.stripeCount - 1)
        let pointer = UnsafeMutableRawPointer(bitPattern: UInt(address))! + stripe * Self.stripeBytes
        UnsafeAtomic<UInt64>(at: pointer.assumingMemoryBound(to: UnsafeAtomic<UInt64>.Storage.self))
            .wrappingIncrement(by: amount, ordering: .relaxed)
    }

    func load() -> UInt64 {
        var total = self.base.load(ordering: .relaxed)
        let address = self.stripes.load(ordering: .acquiring)
        guard address != 0, let pointer = UnsafeMutableRawPointer(bitPattern: UInt(address)) else { return total }
        for stripe in 0..<Self.stripeCount {
            let cell = (pointer + stripe * Self.stripeBytes).assumingMemoryBound(to: UnsafeAtomic<UInt64>.Storage.self)
            total &+= UnsafeAtomic<UInt64>(at: cell).load(ordering: .relaxed)
        }
        return total
    }

    func reset() {
        self.base.store(0, ordering: .relaxed)
        let address = self.stripes.load(ordering: .acquiring)
        guard address != 0, let pointer = UnsafeMutableRawPointer(bitPattern: UInt(address)) else { return }
        for stripe in 0..<Self.stripeCount {
            let cell = (pointer + stripe * Self.stripeBytes).assumingMemoryBound(to: UnsafeAtomic<UInt64>.Storage.self)
            UnsafeAtomic<UInt64>(at: cell).store(0, ordering: .relaxed)
        }
    }

    /// Frees the stripes; only from the owner's `deinit`.
    func deallocateStripes() {
        let address = self.stripes.load(ordering: .acquiring)
        guard address != 0, let pointer = UnsafeMutableRawPointer(bitPattern: UInt(address)) else { return }
        pointer.deallocate()
    }

    /// Records this increment's CPU; inflates when the previous sample came from another CPU.
    @inline(never)
    private func sampleOwner() {
        self.sampleOwner(cpu: UInt64(Self.currentCPU()) + 1)
    }

    /// Records a sample from `cpu` (1-based); exposed to tests, which cannot choose the CPU a thread runs on.
    func sampleOwner(cpu: UInt64) {
        let last = self.owner.exchange(cpu, ordering: .relaxed)
        if last != 0 && last != cpu {
            _ = self.inflate()
        }
    }

    private func inflate() -> UInt64 {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: Self.stripeCount * Self.stripeBytes, alignment: Self.stripeBytes)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: Self.stripeCount * Self.stripeBytes)
        for stripe in 0..<Self.stripeCount {
            (memory + stripe * Self.stripeBytes).bindMemory(to: UnsafeAtomic<UInt64>.Storage.self, capacity: 1)
                .initialize(to: UnsafeAtomic<UInt64>.Storage(0))
        }
        let address = UInt64(UInt(bitPattern: memory))
        let (exchanged, existing) = self.stripes.compareExchange(expected: 0, desired: address, ordering: .acquiringAndReleasing)
        if exchanged { return address }
        memory.deallocate()
        return existing
    }

    @inline(__always)
    private static func currentCPU() -> Int32 {
        cregistry_current_cpu()
    }
}
