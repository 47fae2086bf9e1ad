import Foundation
import Testing

@testable import CopyThatAPI

/// A token's user lookup shared with others that arrive at the same moment: each caller is answered with its own user,
/// its own login's state and the project it asked for, never another's, on the real database and through HTTP.
@Suite struct TokenLookupBatchTests {
    typealias Lookup = UserRepository.TokenLookup

    /// The real batch and single statements, with the first held so that the others queue up behind it.
    static func heldLookups(_ database: Database) -> HeldCoalescer<Lookup, UserRepository.TokenUser?> {
        HeldCoalescer(
            runBatch: { lookups in try await UserRepository.lookUp(lookups, on: database) },
            runOne: { lookup in try await UserRepository.lookUpAlone(lookup, on: database) }
        )
    }

    static func family(of user: TestUser, _ api: APIFixture) async throws -> String {
        try await api.sql("SELECT id::text FROM refresh_token_families WHERE user_id = $1::uuid", [user.id]).first?.first as? String ?? ""
    }

    static func project(of user: TestUser, _ api: APIFixture) async throws -> Int {
        let created = try await api.json("POST", "/api/v1/projects", ["name": "Lookups"], headers: [user.bearer])
        return try created.object()["id"] as? Int ?? 0
    }

    @Test func lookupsThatArriveTogetherShareAStatementAndEachAnswersOnlyItsOwnCaller() async throws {
        try await APIFixture.with { api in
            let (a, b, c) = (
                try await api.newUserWithoutSignIn(), try await api.newUserWithoutSignIn(), try await api.newUserWithoutSignIn()
            )
            let (familyA, familyB, familyC) = (
                try await Self.family(of: a, api), try await Self.family(of: b, api), try await Self.family(of: c, api)
            )
            _ = try await api.sql("UPDATE refresh_token_families SET revoked_at = now() WHERE id = $1::uuid", [familyC])
            let projectA = try await Self.project(of: a, api)
            let missingProject = Int(Int32.max)
            let nobody = UUID().uuidString.lowercased()
            let others = [
                Lookup(userID: a.id, family: familyA, projectID: projectA),
                Lookup(userID: b.id, family: familyA, projectID: nil),  // another user's login: refused
                Lookup(userID: b.id, family: familyB, projectID: projectA),  // the project is read; the route judges it
                Lookup(userID: c.id, family: familyC, projectID: nil),  // a revoked login
                Lookup(userID: nobody, family: familyA, projectID: projectA),  // no such user
                Lookup(userID: a.id.uppercased(), family: familyA.uppercased(), projectID: missingProject),
                Lookup(userID: b.id, family: familyB, projectID: nil),
            ]
            let held = Self.heldLookups(api.api.services.database)
            let results = try await held.run(Lookup(userID: c.id, family: familyB, projectID: nil), whileHeld: others)
            #expect(held.counts.batches.withLock { $0 } == [others.count])

            let answers = try results.map { try $0.get() }
            let seen = answers.map { answer in
                answer.map { "\($0.user.id) \($0.familyRevoked) \($0.project.map { "\($0.id) \($0.ownerID)" } ?? "-")" }
            }
            #expect(
                seen == [
                    "\(c.id) true -",
                    "\(a.id) false \(projectA) \(a.id)",
                    "\(b.id) true -",
                    "\(b.id) false \(projectA) \(a.id)",
                    "\(c.id) true -",
                    nil,
                    "\(a.id) false -",
                    "\(b.id) false -",
                ]
            )
            #expect(answers.compactMap { $0?.user.email } == [c.email, a.email, b.email, b.email, c.email, a.email, b.email])
        }
    }

    @Test func concurrentRequestsOfSeveralUsersEachSeeTheirOwnAccountAndProjects() async throws {
        try await APIFixture.with { api in
            let (a, b, revoked) = (try await api.newUser(), try await api.newUser(), try await api.newUser())
            let projectA = try await Self.project(of: a, api)
            let projectB = try await Self.project(of: b, api)
            _ = try await api.sql("UPDATE refresh_token_families SET revoked_at = now() WHERE user_id = $1::uuid", [revoked.id])
            // Who asks, what for, and what they must be told.
            let cases: [(TestUser, String, Int, String?)] = [
                (a, "/api/v1/projects/\(projectA)", 200, a.id), (b, "/api/v1/projects/\(projectA)", 403, nil),
                (b, "/api/v1/projects/\(projectB)", 200, b.id), (a, "/api/v1/projects/\(projectB)", 403, nil),
                (a, "/api/v1/auth/me", 200, a.id), (b, "/api/v1/auth/me", 200, b.id),
                (revoked, "/api/v1/auth/me", 401, nil), (revoked, "/api/v1/projects/\(projectA)", 401, nil),
            ]
            let failures = try await withThrowingTaskGroup(of: String?.self) { group in
                for round in 0..<6 {
                    for (user, path, status, owner) in cases {
                        group.addTask {
                            let response = try await api.request("GET", path, headers: [user.bearer])
                            let object = try? response.object()
                            let who = path.hasSuffix("/me") ? object?["id"] as? String : object?["owner_id"] as? String
                            guard response.status == status, owner == nil || who == owner else {
                                return "round \(round): \(user.email) GET \(path) answered \(response.status) \(response.text)"
                            }
                            return nil
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
            }
            #expect(failures == [])
        }
    }
}
