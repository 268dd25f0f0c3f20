package dev.strata.core.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * An ordered key-value store for projection state. Implemented by storage-node (RocksDB) and, for
 * unit tests, in memory.
 *
 * <p>Contract: keys are compared as unsigned bytes of their UTF-8 encoding (so ASCII keys sort
 * lexically); {@link #write} applies a whole batch atomically, and once it returns the batch
 * survives a crash of the process; readers see either none or all of a batch.
 */
public interface KvStore extends AutoCloseable {
    /** The value, or null when absent. */
    byte[] get(String key);

    /** Applies every operation of the batch atomically. */
    void write(Batch batch);

    /**
     * Visits, in ascending key order, the entries whose key starts with {@code prefix} and sorts
     * strictly after {@code startAfter} (null: from the first), until the visitor returns false.
     */
    void scan(String prefix, String startAfter, Visitor visitor);

    /**
     * Deletes every key that starts with {@code prefix} ("" for all), in batches of at most 10,000
     * deletes each: atomic per batch, not as a whole, so a caller interrupted half-way calls it again.
     */
    default void deleteAll(String prefix) {
        while (true) {
            Batch b = new Batch();
            scan(prefix, null, (k, v) -> {
                b.delete(k);
                return b.ops().size() < 10_000;
            });
            if (b.isEmpty()) return;
            write(b);
        }
    }

    @Override
    void close();

    @FunctionalInterface
    interface Visitor {
        /** @return false to stop the scan */
        boolean visit(String key, byte[] value);
    }

    /** An ordered list of puts and deletes applied as one. */
    final class Batch {
        /** One put (value non-null) or delete (value null). */
        public record Op(String key, byte[] value) {}

        private final List<Op> ops = new ArrayList<>();

        public Batch put(String key, byte[] value) {
            ops.add(new Op(key, value));
            return this;
        }

        public Batch delete(String key) {
            ops.add(new Op(key, null));
            return this;
        }

        public List<Op> ops() { return ops; }

        public boolean isEmpty() { return ops.isEmpty(); }
    }
}
