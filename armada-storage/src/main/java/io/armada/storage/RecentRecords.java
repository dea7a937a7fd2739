package io.armada.storage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The current record of keys that applies touched recently, for all tables of a store, bounded
 * in bytes. Every write first reads the key's current record (its version and create revision
 * carry over); from RocksDB that read searches the memtable's skiplist, which a profile of
 * saturated puts on one table measured at ~11 % of all CPU.
 *
 * <p>Entries are exact, never stale: a table's keys are written only by its apply thread, which
 * records every write here once it is committed, and a table whose content is replaced wholesale
 * (a snapshot install, a follower cluster's snapshot load) moves to a new generation, so entries of the
 * old content are never found again and age out.
 */
final class RecentRecords {
    /** Bytes an entry costs beyond its key and value (the key object, the map node, the record). */
    private static final int ENTRY_OVERHEAD_BYTES = 96;

    /** Null when disabled (a bound of 0). */
    private final Cache<Key, Optional<VersionedValue>> cache;

    private final AtomicLong generations = new AtomicLong();

    RecentRecords(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes: " + maxBytes + " is negative");
        }
        this.cache = maxBytes == 0
                ? null
                : Caffeine.newBuilder()
                        .maximumWeight(maxBytes)
                        .weigher((Key k, Optional<VersionedValue> r) -> ENTRY_OVERHEAD_BYTES
                                + k.key.length
                                + r.map(record -> record.value().length).orElse(0))
                        .executor(Runnable::run) // eviction on the calling thread: no pool threads, no surprise
                        .build();
    }

    /** A generation no table used before: what a new or wholly replaced table content starts. */
    Scope newScope() {
        return new Scope(generations.incrementAndGet());
    }

    /** The entries of one table generation. */
    final class Scope {
        private final long generation;

        private Scope(long generation) {
            this.generation = generation;
        }

        /** The key's current record, {@code Optional.empty()} if it is known absent, null if not known here. */
        Optional<VersionedValue> get(byte[] key) {
            return cache == null ? null : cache.getIfPresent(new Key(generation, key));
        }

        /** Records the key's committed record; null: the key is absent (deleted). */
        void put(byte[] key, VersionedValue record) {
            if (cache != null) {
                cache.put(new Key(generation, key), Optional.ofNullable(record));
            }
        }
    }

    /** A user key in one table generation; the key bytes are never modified after they are handed here. */
    private static final class Key {
        private final long generation;
        private final byte[] key;
        private final int hash;

        Key(long generation, byte[] key) {
            this.generation = generation;
            this.key = key;
            this.hash = 31 * Long.hashCode(generation) + Arrays.hashCode(key);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.generation == generation && Arrays.equals(k.key, key);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
