/// Who holds a connection's C handle: the connection (idle), one call (lent), or nobody (freed or to be freed).
///
/// A pure value; each connection keeps one in a `Mutex`. A query or command borrows the handle for its whole
/// exchange, suspended on the reactor meanwhile, so the lock is never held across a wait. A second borrower is
/// refused rather than queued (the pools lend a connection to one task at a time), and ``close()`` during a loan
/// leaves the freeing to the borrower's ``checkIn(broken:)``.
struct HandleLease<Handle> {
    private var handle: Handle?
    private var lent = false
    private var closed = false

    init(_ handle: Handle) { self.handle = handle }

    /// What ``checkOut()`` found.
    enum Loan {
        /// The handle, now the caller's until ``checkIn(broken:)``.
        case lent(Handle)
        /// The connection is closed (or was broken by an earlier call).
        case closed
        /// Another call has the handle.
        case busy
    }

    /// Lends the handle to one call.
    mutating func checkOut() -> Loan {
        guard let handle = self.handle, !self.closed else { return .closed }
        guard !self.lent else { return .busy }
        self.lent = true
        return .lent(handle)
    }

    /// Takes the handle back; returns it when the caller must free it now (the call broke the connection, or the
    /// connection was closed during the call).
    mutating func checkIn(broken: Bool) -> Handle? {
        self.lent = false
        guard broken || self.closed else { return nil }
        defer { self.handle = nil }
        return self.handle
    }

    /// Marks the connection closed; returns the handle when the caller must free it now (`nil` while it is lent:
    /// the borrower frees it on return).
    mutating func close() -> Handle? {
        self.closed = true
        guard !self.lent else { return nil }
        defer { self.handle = nil }
        return self.handle
    }

    /// Whether the connection can still be used (open, or lent to a call that may give it back usable).
    var isUsable: Bool { self.handle != nil && !self.closed }

    /// The handle if the connection holds it (for `deinit` and status checks); never while lent.
    var idleHandle: Handle? { self.lent ? nil : self.handle }
}
