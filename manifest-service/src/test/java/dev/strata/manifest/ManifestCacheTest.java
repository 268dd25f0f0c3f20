package dev.strata.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.spi.ManifestService.Stored;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The manifest cache's generations: bounded in the number of repositories, and never a stale answer. */
class ManifestCacheTest {
    private static Stored stored(int version) {
        return new Stored(null, new byte[] {(byte) version});
    }

    @Test
    void theGenerationMapStaysBoundedHoweverManyRepositoriesChange() {
        ManifestCache cache = new ManifestCache(1 << 20);
        for (int i = 0; i < 3 * ManifestCache.MAX_TRACKED; i++) {
            cache.changed("repo-" + i);
            assertTrue(cache.tracked() <= ManifestCache.MAX_TRACKED, () -> cache.tracked() + " repositories tracked");
        }
    }

    @Test
    void anEntryReadBeforeAChangeIsNeverServedAfterItAlsoAcrossAStartOver() {
        ManifestCache cache = new ManifestCache(1 << 20);
        Random random = new Random(7);
        int repos = ManifestCache.MAX_TRACKED + ManifestCache.MAX_TRACKED / 2; // the map starts over now and then
        Map<String, Integer> version = new HashMap<>(); // the truth: how often each repository changed
        int hits = 0;
        for (int step = 0; step < 4 * ManifestCache.MAX_TRACKED; step++) {
            String repo = "r" + random.nextInt(step % 5 == 0 ? repos : 50); // a few hot repositories among many
            int v = version.getOrDefault(repo, 0);
            switch (random.nextInt(3)) {
                case 0 -> {
                    version.put(repo, v + 1); // the event is applied to the store, then the cache hears of it
                    cache.changed(repo);
                }
                case 1 -> cache.putResolved(repo, "latest", cache.generation(repo), stored(v)); // generation, then the read
                default -> {
                    Stored s = cache.resolved(repo, "latest");
                    if (s != null) {
                        hits++;
                        assertEquals((byte) v, s.bytes()[0], "a stale answer for " + repo + " at step " + step);
                    }
                }
            }
        }
        assertTrue(hits > 1000, "the cache still serves: " + hits + " hits");
    }

    @Test
    void aRepositoryThatDidNotChangeMissesOnceAfterAStartOverAndHitsAgain() {
        ManifestCache cache = new ManifestCache(1 << 20);
        Stored s = stored(1);
        cache.putResolved("quiet", "v1", cache.generation("quiet"), s);
        assertSame(s, cache.resolved("quiet", "v1"));
        for (int i = 0; i <= ManifestCache.MAX_TRACKED; i++) cache.changed("busy-" + i);
        assertNull(cache.resolved("quiet", "v1"), "started over: its generation moved up to the floor, one miss");
        cache.putResolved("quiet", "v1", cache.generation("quiet"), s);
        assertSame(s, cache.resolved("quiet", "v1"));
    }
}
