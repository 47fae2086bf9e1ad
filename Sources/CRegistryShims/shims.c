#include "CRegistryShims.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

// MARK: Thread slots

__thread uint32_t cregistry_thread_slot_plus_one;

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t slot_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t slot_key;
static uint32_t *free_slots;
static size_t free_slot_count;
static size_t free_slot_capacity;
static uint32_t slots_claimed;

static void out_of_memory(void) {
    fputs("CRegistryShims: out of memory\n", stderr);
    abort();
}

/// The key's destructor: runs when a thread that claimed a slot exits, and gives the slot back.
static void release_thread_slot(void *value) {
    uint32_t slot = (uint32_t)(uintptr_t)value - 1;
    pthread_mutex_lock(&slot_lock);
    if (free_slot_count == free_slot_capacity) {
        size_t capacity = free_slot_capacity == 0 ? 16 : free_slot_capacity * 2;
        uint32_t *grown = realloc(free_slots, capacity * sizeof *grown);
        if (grown == NULL) {
            // The slot stays unused: harmless, a later thread gets a new one.
            pthread_mutex_unlock(&slot_lock);
            cregistry_thread_slot_plus_one = 0;
            return;
        }
        free_slots = grown;
        free_slot_capacity = capacity;
    }
    free_slots[free_slot_count++] = slot;
    pthread_mutex_unlock(&slot_lock);
    cregistry_thread_slot_plus_one = 0;
}

static void make_slot_key(void) {
    if (pthread_key_create(&slot_key, release_thread_slot) != 0) {
        out_of_memory();
    }
}

uint32_t cregistry_claim_thread_slot(void) {
    if (cregistry_thread_slot_plus_one != 0) {
        return cregistry_thread_slot_plus_one - 1;
    }
    pthread_once(&slot_key_once, make_slot_key);
    pthread_mutex_lock(&slot_lock);
    uint32_t slot = free_slot_count > 0 ? free_slots[--free_slot_count] : slots_claimed++;
    pthread_mutex_unlock(&slot_lock);
    // A thread that exits without this (the main thread returning from main) never needs its slot back.
    pthread_setspecific(slot_key, (void *)(uintptr_t)(slot + 1));
    cregistry_thread_slot_plus_one = slot + 1;
    return slot;
}

uint32_t cregistry_thread_slots_claimed(void) {
    pthread_mutex_lock(&slot_lock);
    uint32_t claimed = slots_claimed;
    pthread_mutex_unlock(&slot_lock);
    return claimed;
}

// MARK: Per-thread shards

/// Serialises the creation of shards and tables, which happens once per thread and series.
static pthread_mutex_t shard_lock = PTHREAD_MUTEX_INITIALIZER;

static cregistry_shard_table *make_table(uint32_t capacity, const cregistry_shard_table *from) {
    cregistry_shard_table *table = calloc(1, sizeof *table + (size_t)capacity * sizeof(uint64_t *));
    if (table == NULL) {
        out_of_memory();
    }
    table->capacity = capacity;
    if (from != NULL) {
        for (uint32_t slot = 0; slot < from->capacity; slot++) {
            table->shards[slot] = __atomic_load_n(&from->shards[slot], __ATOMIC_RELAXED);
        }
    }
    return table;
}

uint64_t *cregistry_shard_slow(cregistry_shard_set *set, uint32_t cell_count) {
    uint32_t slot = cregistry_claim_thread_slot();
    pthread_mutex_lock(&shard_lock);
    cregistry_shard_table *table = __atomic_load_n(&set->table, __ATOMIC_RELAXED);
    if (table != NULL && slot < table->capacity) {
        uint64_t *existing = __atomic_load_n(&table->shards[slot], __ATOMIC_RELAXED);
        if (existing != NULL) {
            pthread_mutex_unlock(&shard_lock);
            return existing;
        }
    }
    if (table == NULL || slot >= table->capacity) {
        uint32_t capacity = table == NULL ? 4 : table->capacity * 2;
        while (capacity <= slot) {
            capacity *= 2;
        }
        cregistry_shard_table *grown = make_table(capacity, table);
        if (table != NULL) {
            table->retired_next = set->retired;
            set->retired = table;
        }
        __atomic_store_n(&set->table, grown, __ATOMIC_RELEASE);
        table = grown;
    }
    // One word links the shard into the set's list; the cells follow.
    uint64_t *allocation = calloc(1 + (size_t)cell_count, sizeof(uint64_t));
    if (allocation == NULL) {
        out_of_memory();
    }
    allocation[0] = (uint64_t)(uintptr_t)set->shards;
    set->shards = allocation;
    uint64_t *shard = allocation + 1;
    __atomic_store_n(&table->shards[slot], shard, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&shard_lock);
    return shard;
}

double cregistry_shards_sum_f64(const cregistry_shard_set *set, uint32_t index) {
    const cregistry_shard_table *table = __atomic_load_n(&set->table, __ATOMIC_ACQUIRE);
    double total = 0;
    if (table == NULL) {
        return 0;
    }
    for (uint32_t slot = 0; slot < table->capacity; slot++) {
        const uint64_t *shard = __atomic_load_n(&table->shards[slot], __ATOMIC_ACQUIRE);
        if (shard != NULL) {
            uint64_t bits = __atomic_load_n(&shard[index], __ATOMIC_RELAXED);
            double value;
            memcpy(&value, &bits, sizeof value);
            total += value;
        }
    }
    return total;
}

void cregistry_shards_sum_counter(const cregistry_shard_set *set, uint64_t *integer, double *floating) {
    const cregistry_shard_table *table = __atomic_load_n(&set->table, __ATOMIC_ACQUIRE);
    uint64_t integer_total = 0;
    double floating_total = 0;
    if (table != NULL) {
        for (uint32_t slot = 0; slot < table->capacity; slot++) {
            const uint64_t *shard = __atomic_load_n(&table->shards[slot], __ATOMIC_ACQUIRE);
            if (shard != NULL) {
                integer_total += __atomic_load_n(&shard[0], __ATOMIC_RELAXED);
                uint64_t bits = __atomic_load_n(&shard[1], __ATOMIC_RELAXED);
                double value;
                memcpy(&value, &bits, sizeof value);
                floating_total += value;
            }
        }
    }
    *integer = integer_total;
    *floating = floating_total;
}

void cregistry_shards_sum_cells(const cregistry_shard_set *set, uint32_t count, uint64_t *totals) {
    const cregistry_shard_table *table = __atomic_load_n(&set->table, __ATOMIC_ACQUIRE);
    if (table == NULL) {
        return;
    }
    for (uint32_t slot = 0; slot < table->capacity; slot++) {
        const uint64_t *shard = __atomic_load_n(&table->shards[slot], __ATOMIC_ACQUIRE);
        if (shard != NULL) {
            for (uint32_t index = 0; index < count; index++) {
                totals[index] += __atomic_load_n(&shard[index], __ATOMIC_RELAXED);
            }
        }
    }
}

void cregistry_shards_reset(cregistry_shard_set *set) {
    pthread_mutex_lock(&shard_lock);
    cregistry_shard_table *table = __atomic_load_n(&set->table, __ATOMIC_RELAXED);
    if (table != NULL) {
        table->retired_next = set->retired;
        set->retired = table;
        __atomic_store_n(&set->table, NULL, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&shard_lock);
}

void cregistry_shards_free(cregistry_shard_set *set) {
    pthread_mutex_lock(&shard_lock);
    uint64_t *allocation = set->shards;
    while (allocation != NULL) {
        uint64_t *next = (uint64_t *)(uintptr_t)allocation[0];
        free(allocation);
        allocation = next;
    }
    free(set->table);
    cregistry_shard_table *retired = set->retired;
    while (retired != NULL) {
        cregistry_shard_table *next = retired->retired_next;
        free(retired);
        retired = next;
    }
    set->shards = NULL;
    set->table = NULL;
    set->retired = NULL;
    pthread_mutex_unlock(&shard_lock);
}
