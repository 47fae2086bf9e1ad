import Testing

@testable import Clients

/// Who holds a connection's handle, without a connection.
@Suite struct HandleLeaseTests {
    @Test func aHandleIsLentToOneCallAtATime() {
        var lease = HandleLease("conn")
        guard case .lent("conn") = lease.checkOut() else {
            Issue.record("not lent")
            return
        }
        guard case .busy = lease.checkOut() else {
            Issue.record("lent twice")
            return
        }
        #expect(lease.checkIn(broken: false) == nil)
        guard case .lent = lease.checkOut() else {
            Issue.record("not lent again")
            return
        }
    }

    @Test func aBrokenCallHandsTheHandleBackForFreeingAndClosesTheConnection() {
        var lease = HandleLease("conn")
        _ = lease.checkOut()
        #expect(lease.checkIn(broken: true) == "conn")
        #expect(!lease.isUsable)
        guard case .closed = lease.checkOut() else {
            Issue.record("a broken connection was lent")
            return
        }
        #expect(lease.close() == nil)
    }

    @Test func closingDuringACallLeavesTheFreeingToTheBorrower() {
        var lease = HandleLease("conn")
        _ = lease.checkOut()
        #expect(lease.close() == nil)
        #expect(!lease.isUsable)
        #expect(lease.checkIn(broken: false) == "conn")
        #expect(lease.close() == nil)
    }

    @Test func closingAnIdleConnectionFreesAtOnceAndOnlyOnce() {
        var lease = HandleLease("conn")
        #expect(lease.idleHandle == "conn")
        #expect(lease.close() == "conn")
        #expect(lease.close() == nil)
        #expect(lease.idleHandle == nil)
    }
}
