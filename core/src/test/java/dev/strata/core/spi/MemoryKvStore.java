package dev.strata.core.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * In-memory {@link KvStore} for unit tests of pure logic. Follows the whole contract: keys compare
 * as the unsigned bytes of their UTF-8 encoding, a batch is applied atomically (a scan sees none or
 * all of it; a batch that fails applies nothing), and stored values are copies.
 */
public final class MemoryKvStore implements KvStore {
    /**
     * UTF-8 byte order, which is code point order: the same as UTF-16 order except that
     * surrogates (supplementary code points) sort after every other BMP character.
     */
    static final Comparator<String> UTF8_ORDER = (a, b) -> {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                boolean sx = Character.isSurrogate(x);
                boolean sy = Character.isSurrogate(y);
                if (sx != sy) return sx ? 1 : -1;
                return Character.compare(x, y);
            }
        }
        return Integer.compare(a.length(), b.length());
    };

    private final ConcurrentSkipListMap<String, byte[]> map = new ConcurrentSkipListMap<>(UTF8_ORDER);
    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    @Override
    public byte[] get(String key) {
        byte[] v = map.get(key);
        return v == null ? null : v.clone();
    }

    @Override
    public void write(Batch batch) {
        List<Batch.Op> ops = List.copyOf(batch.ops());
        for (Batch.Op op : ops) {
            if (op.key() == null) throw new NullPointerException("batch has a null key");
        }
        lock.writeLock().lock();
        try {
            for (Batch.Op op : ops) {
                if (op.value() == null) map.remove(op.key());
                else map.put(op.key(), op.value().clone());
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void scan(String prefix, String startAfter, Visitor visitor) {
        // Collect a consistent view under the read lock, then visit outside it (a visitor may write).
        List<Map.Entry<String, byte[]>> view = new ArrayList<>();
        lock.readLock().lock();
        try {
            var tail = startAfter == null || UTF8_ORDER.compare(startAfter, prefix) < 0
                    ? map.tailMap(prefix, true) : map.tailMap(startAfter, false);
            for (Map.Entry<String, byte[]> e : tail.entrySet()) {
                if (!e.getKey().startsWith(prefix)) break;
                view.add(Map.entry(e.getKey(), e.getValue()));
            }
        } finally {
            lock.readLock().unlock();
        }
        for (Map.Entry<String, byte[]> e : view) {
            if (!visitor.visit(e.getKey(), e.getValue().clone())) return;
        }
    }

    @Override
    public void close() {}
}
