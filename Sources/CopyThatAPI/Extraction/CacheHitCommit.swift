/// What a cache hit waits for before it answers: the one statement that records it (the job, its colours and the
/// saving in the usage log) is committed either way; the question is only whether the answer waits for the commit's
/// WAL flush (`EXTRACTION_CACHE_HIT_COMMIT`).
///
/// A cache hit costs nothing and can be repeated for nothing (the answer stays cached for 24 h), so by default its
/// commit is asynchronous (PostgreSQL's `synchronous_commit = off` for that transaction alone): a crash of the
/// database server can lose the hits of its last moments (at most three `wal_writer_delay`s, 0.6 s by default), never
/// leave one half-written, and never lose money: every paid call is committed durably before it answers.
public enum CacheHitCommit: String, Sendable {
    /// The answer waits for the WAL flush, as every other write does.
    case durable
    /// The answer does not wait for the flush (the default).
    case asynchronous = "async"
}
