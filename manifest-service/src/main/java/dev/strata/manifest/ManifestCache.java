package dev.strata.manifest;

import dev.strata.core.spi.ManifestService.Stored;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

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

    /** Repositories whose generation is tracked at most; past that the map starts over (see {@link #changed}). */
    static final int MAX_TRACKED = 100_000;

    private final long capacity;
    private long used;
    private final LinkedHashMap<String, byte[]> bytes = new LinkedHashMap<>(256, 0.75f, true);
    private final LinkedHashMap<String, Resolved> resolved = new LinkedHashMap<>(256, 0.75f, true);
    /** Generations handed out so far: each change takes the next value, never reused by any repository. */
    private long counter;
    private final HashMap<String, Long> generations = new HashMap<>();
    /** The generation of every repository not in the map: the counter's value when the map last started over. */
    private long floor;

    ManifestCache(long capacityBytes) {
        this.capacity = capacityBytes;
    }

    /** The repository's current generation; take it before reading the store. */
    synchronized long generation(String repository) {
        Long g = generations.get(repository);
        return g == null ? floor : g;
    }

    /**
     * Called after an event of the repository is applied: its generation becomes the counter's next
     * value, larger than any generation handed out before. The map holds at most
     * {@link #MAX_TRACKED} repositories: when a change would pass that, it starts over empty with
     * every repository at the counter's current value, which is at least the generation any of them
     * had, so an entry read before a change still never matches after it (entries of repositories
     * that did not change merely miss once).
     */
    synchronized void changed(String repository) {
        generations.put(repository, ++counter);
        if (generations.size() > MAX_TRACKED) {
            floor = counter;
            generations.clear();
        }
    }

    /** Repositories whose generation is tracked now. */
    synchronized int tracked() {
        return generations.size();
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
    synchronized Stored resolved(String repository, String reference) {
        Resolved r = resolved.get(repository + "|" + reference);
        return r != null && r.generation() == generation(repository) ? r.stored() : null;
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
