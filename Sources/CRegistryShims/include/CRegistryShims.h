#ifndef C_REGISTRY_SHIMS_H
#define C_REGISTRY_SHIMS_H

#include <stdint.h>
#include <string.h>

// MARK: Thread slots

/// 1 + the calling thread's slot, or 0 before its first claim. Slots are small integers unique among live threads;
/// a thread's slot returns to the pool when it exits, so the slots in use stay as few as the threads alive.
extern __thread uint32_t cregistry_thread_slot_plus_one;

/// Claims a slot for the calling thread (once; later calls return the same slot).
uint32_t cregistry_claim_thread_slot(void);

/// How many distinct slots were ever handed out: the most threads that updated metrics at one time.
uint32_t cregistry_thread_slots_claimed(void);

// MARK: Per-thread shards

/// The table of one series' shards, indexed by thread slot. Replaced, never resized in place.
typedef struct cregistry_shard_table {
    uint32_t capacity;
    struct cregistry_shard_table *retired_next;
    uint64_t *shards[];
} cregistry_shard_table;

/// The cells of one series, split into one shard per thread that updates it: each thread adds to its own shard with
/// a plain load and store (no locked instruction, no cache line shared with another writer), and a reader sums the
/// shards. Zero-initialise; free with `cregistry_shards_free`.
typedef struct cregistry_shard_set {
    /// The current table (atomic); NULL until the first update.
    cregistry_shard_table *table;
    /// Every shard ever allocated, linked through the word before its cells; freed with the set.
    uint64_t *shards;
    /// Tables replaced by growth or reset; kept until the set is freed, as a writer may still hold one.
    cregistry_shard_table *retired;
} cregistry_shard_set;

/// Creates the calling thread's shard of `cell_count` zeroed cells (and a larger table when needed).
uint64_t *cregistry_shard_slow(cregistry_shard_set *set, uint32_t cell_count);

/// The calling thread's shard: a thread-local read and two loads once it exists.
static inline uint64_t *cregistry_shard(cregistry_shard_set *set, uint32_t cell_count) {
    uint32_t slot_plus_one = cregistry_thread_slot_plus_one;
    cregistry_shard_table *table = __atomic_load_n(&set->table, __ATOMIC_ACQUIRE);
    if (__builtin_expect(slot_plus_one != 0 && table != NULL && slot_plus_one <= table->capacity, 1)) {
        uint64_t *shard = __atomic_load_n(&table->shards[slot_plus_one - 1], __ATOMIC_ACQUIRE);
        if (__builtin_expect(shard != NULL, 1)) {
            return shard;
        }
    }
    return cregistry_shard_slow(set, cell_count);
}

/// Adds to a cell of the calling thread's own shard: only this thread writes it, so no read-modify-write is needed.
static inline void cregistry_cell_add_u64(uint64_t *cell, uint64_t amount) {
    __atomic_store_n(cell, __atomic_load_n(cell, __ATOMIC_RELAXED) + amount, __ATOMIC_RELAXED);
}

/// Adds to a cell holding a double's bit pattern, in the calling thread's own shard.
static inline void cregistry_cell_add_f64(uint64_t *cell, double amount) {
    uint64_t bits = __atomic_load_n(cell, __ATOMIC_RELAXED);
    double value;
    memcpy(&value, &bits, sizeof value);
    value += amount;
    memcpy(&bits, &value, sizeof bits);
    __atomic_store_n(cell, bits, __ATOMIC_RELAXED);
}

/// The sum over every shard of the double cell `index`, in slot order.
double cregistry_shards_sum_f64(const cregistry_shard_set *set, uint32_t index);

/// The integer cell 0 and the double cell 1 (a counter's two parts), each summed over every shard, in one pass.
void cregistry_shards_sum_counter(const cregistry_shard_set *set, uint64_t *integer, double *floating);

/// Adds, for each of the first `count` integer cells, the sum over every shard into `totals[i]`.
void cregistry_shards_sum_cells(const cregistry_shard_set *set, uint32_t count, uint64_t *totals);

/// Starts the set over from zero. Updates racing with the reset may land in the shards it retires (and are lost).
void cregistry_shards_reset(cregistry_shard_set *set);

/// Frees every shard and table. Only when no thread can update the set any more.
void cregistry_shards_free(cregistry_shard_set *set);

#endif
