package dev.strata.manifest;

import java.util.LinkedHashMap;
import java.util.Map;

/** LRU cache of immutable manifest bytes by digest, bounded by total bytes. */
final class ManifestCache {
    private final long capacity;
    private long used;
    private final LinkedHashMap<String, byte[]> map = new LinkedHashMap<>(256, 0.75f, true);

    ManifestCache(long capacityBytes) {
        this.capacity = capacityBytes;
    }

    synchronized byte[] get(String digest) {
        return map.get(digest);
    }

    synchronized void put(String digest, byte[] bytes) {
        if (bytes.length > capacity / 4) return;
        byte[] old = map.put(digest, bytes);
        if (old != null) used -= old.length;
        used += bytes.length;
        var it = map.entrySet().iterator();
        while (used > capacity && it.hasNext()) {
            Map.Entry<String, byte[]> e = it.next();
            used -= e.getValue().length;
            it.remove();
        }
    }
}
