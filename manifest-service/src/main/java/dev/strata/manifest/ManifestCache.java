package dev.strata.manifest;

import dev.strata.core.spi.ManifestService.Stored;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * In-memory answers for manifest reads, bounded by bytes (LRU). Two maps:
 * <ul>
 *   <li>manifest bytes by digest: immutable, never stale;</li>
 *   <li>resolved references ("repo|tag" or "repo|digest") with the repository's generation at the
 *       time they were read. Every event applied to a repository bumps its generation, so an entry
 *       read before a change can never be served after it: a reader takes the generation
 *       <em>before</em> reading the store, and a lookup accepts an entry only if the generation is
 *       unchanged.</li>
 * </ul>
 */
final class ManifestCache {
    private record Resolved(long generation, Stored stored) {}

    private final long capacity;
    private long used;
    private final LinkedHashMap<String, byte[]> bytes = new LinkedHashMap<>(256, 0.75f, true);
    private final LinkedHashMap<String, Resolved> resolved = new LinkedHashMap<>(256, 0.75f, true);
    private final ConcurrentHashMap<String, AtomicLong> generations = new ConcurrentHashMap<>();

    ManifestCache(long capacityBytes) {
        this.capacity = capacityBytes;
    }

    /** The repository's current generation; take it before reading the store. */
    long generation(String repository) {
        AtomicLong g = generations.get(repository);
        return g == null ? 0 : g.get();
    }

    /** Called after an event of the repository is applied. */
    void changed(String repository) {
        generations.computeIfAbsent(repository, r -> new AtomicLong()).incrementAndGet();
    }

    synchronized byte[] bytes(String digest) {
        return bytes.get(digest);
    }

    synchronized void putBytes(String digest, byte[] b) {
        if (b.length > capacity / 4) return;
        byte[] old = bytes.put(digest, b);
        if (old != null) used -= old.length;
        used += b.length;
        var it = bytes.entrySet().iterator();
        while (used > capacity && it.hasNext()) {
            Map.Entry<String, byte[]> e = it.next();
            used -= e.getValue().length;
            it.remove();
        }
    }

    /** The stored manifest for the reference, if cached and the repository has not changed since. */
    Stored resolved(String repository, String reference) {
        long g = generation(repository);
        Resolved r;
        synchronized (this) {
            r = resolved.get(repository + "|" + reference);
        }
        return r != null && r.generation() == g ? r.stored() : null;
    }

    synchronized void putResolved(String repository, String reference, long generationBeforeRead, Stored stored) {
        if (stored.bytes().length > capacity / 4) return;
        resolved.put(repository + "|" + reference, new Resolved(generationBeforeRead, stored));
        // bounded by count: the bytes are shared with the digest map, which is bounded by size
        if (resolved.size() > 100_000) {
            var it = resolved.entrySet().iterator();
            it.next();
            it.remove();
        }
    }
}
