package dev.strata.core.spi;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** In-memory {@link KvStore} for unit tests of pure logic. Keys compare as UTF-16 (fine for ASCII keys). */
public final class MemoryKvStore implements KvStore {
    private final ConcurrentSkipListMap<String, byte[]> map = new ConcurrentSkipListMap<>();

    @Override
    public byte[] get(String key) { return map.get(key); }

    @Override
    public synchronized void write(Batch batch) {
        for (Batch.Op op : batch.ops()) {
            if (op.value() == null) map.remove(op.key());
            else map.put(op.key(), op.value().clone());
        }
    }

    @Override
    public void scan(String prefix, String startAfter, Visitor visitor) {
        var tail = startAfter == null || startAfter.compareTo(prefix) < 0 ? map.tailMap(prefix, true) : map.tailMap(startAfter, false);
        for (Map.Entry<String, byte[]> e : tail.entrySet()) {
            if (!e.getKey().startsWith(prefix)) return;
            if (!visitor.visit(e.getKey(), e.getValue())) return;
        }
    }

    @Override
    public void close() {}
}
