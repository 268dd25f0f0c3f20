package dev.strata.core.log;

import dev.strata.core.spi.KvStore;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A store as it will be once the writes staged here are applied: reads see the staged puts and
 * deletes over the base store, and {@link #flush} writes them all to the base in one atomic batch.
 * Projections stage every event of a poll here and write once per poll instead of once per event.
 *
 * <p>Not thread-safe: one projection thread stages and flushes. Others read the base store, which
 * changes only at {@link #flush}, so they see whole polls or nothing.
 */
public final class PendingWrites implements KvStore {
    /** Marks a staged delete. */
    private static final byte[] DELETED = new byte[0];

    private final KvStore base;
    /** Staged state by key, ordered like the base (UTF-8 unsigned bytes, which is String order for the keys used here). */
    private final NavigableMap<String, byte[]> staged = new TreeMap<>(PendingWrites::compareUtf8);
    /** The same entries, for point reads (the handlers' most frequent call) without ordered compares. */
    private final Map<String, byte[]> byKey = new java.util.HashMap<>();
    private int ops;
    private long bytes;
    /** A poll's staged writes are flushed early once they pass this many bytes (bounds memory). */
    public static final long FLUSH_BYTES = 16L << 20;

    public PendingWrites(KvStore base) {
        this.base = base;
    }

    @Override
    public byte[] get(String key) {
        byte[] v = byKey.get(key);
        if (v != null) return v == DELETED ? null : v;
        return base.get(key);
    }

    /** Stages the batch (nothing reaches the base until {@link #flush}). */
    @Override
    public void write(Batch batch) {
        for (Batch.Op op : batch.ops()) {
            byte[] v = op.value() == null ? DELETED : op.value();
            if (byKey.put(op.key(), v) == null) staged.put(op.key(), v);
            else staged.replace(op.key(), v);
            ops++;
            bytes += op.key().length() + (op.value() == null ? 0 : op.value().length);
        }
    }

    /** Operations staged since the last flush (a staged key written twice counts twice). */
    public int stagedOps() { return ops; }

    /** Bytes of keys and values staged since the last flush (overwrites count again). */
    public long stagedBytes() { return bytes; }

    /**
     * Flushes when more than {@link #FLUSH_BYTES} are staged: call between events only, so every
     * write still carries whole events with their offsets.
     */
    public void flushIfLarge() {
        if (bytes > FLUSH_BYTES) flush();
    }

    /** Writes everything staged to the base store in one atomic batch, and starts afresh. */
    public void flush() {
        if (staged.isEmpty()) return;
        Batch b = new Batch();
        for (Map.Entry<String, byte[]> e : staged.entrySet()) {
            if (e.getValue() == DELETED) b.delete(e.getKey());
            else b.put(e.getKey(), e.getValue());
        }
        base.write(b);
        staged.clear();
        byKey.clear();
        ops = 0;
        bytes = 0;
    }

    /** Drops everything staged. */
    public void discard() {
        staged.clear();
        byKey.clear();
        ops = 0;
        bytes = 0;
    }

    /** Merges the base's entries with the staged ones, in key order; a staged value wins, a staged delete hides. */
    @Override
    public void scan(String prefix, String startAfter, Visitor visitor) {
        NavigableMap<String, byte[]> mine = staged.tailMap(startAfter != null && compareUtf8(startAfter, prefix) >= 0 ? startAfter : prefix,
                startAfter == null || compareUtf8(startAfter, prefix) < 0);
        var it = mine.entrySet().iterator();
        @SuppressWarnings("unchecked")
        Map.Entry<String, byte[]>[] next = new Map.Entry[] {advance(it, prefix)};
        boolean[] stopped = {false};
        base.scan(prefix, startAfter, (k, v) -> {
            // staged keys before this base key
            while (next[0] != null && compareUtf8(next[0].getKey(), k) < 0) {
                if (next[0].getValue() != DELETED && !visitor.visit(next[0].getKey(), next[0].getValue())) {
                    stopped[0] = true;
                    return false;
                }
                next[0] = advance(it, prefix);
            }
            byte[] value = v;
            if (next[0] != null && next[0].getKey().equals(k)) {
                value = next[0].getValue();
                next[0] = advance(it, prefix);
            }
            if (value == DELETED) return true;
            if (!visitor.visit(k, value)) {
                stopped[0] = true;
                return false;
            }
            return true;
        });
        if (stopped[0]) return;
        while (next[0] != null) {
            if (next[0].getValue() != DELETED && !visitor.visit(next[0].getKey(), next[0].getValue())) return;
            next[0] = advance(it, prefix);
        }
    }

    private static Map.Entry<String, byte[]> advance(java.util.Iterator<Map.Entry<String, byte[]>> it, String prefix) {
        if (!it.hasNext()) return null;
        Map.Entry<String, byte[]> e = it.next();
        return e.getKey().startsWith(prefix) ? e : null;
    }

    /** Orders keys as the KvStore contract does: unsigned bytes of UTF-8 (code point order). */
    static int compareUtf8(String a, String b) {
        // fast path: below the surrogates, UTF-16 order is code point order (all ASCII keys)
        int n = Math.min(a.length(), b.length());
        for (int k = 0; k < n; k++) {
            char x = a.charAt(k);
            char y = b.charAt(k);
            if (x != y) {
                if (x < Character.MIN_SURROGATE && y < Character.MIN_SURROGATE) return Character.compare(x, y);
                return compareCodePoints(a, b);
            }
        }
        return Integer.compare(a.length(), b.length());
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Does not close the base store. */
    @Override
    public void close() {
        discard();
    }
}
