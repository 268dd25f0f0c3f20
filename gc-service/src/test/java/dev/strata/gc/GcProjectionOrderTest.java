package dev.strata.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.core.events.Event;
import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.log.Replay;
import dev.strata.core.spi.KvStore;
import dev.strata.core.spi.MemoryKvStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The gc projection reads two topics whose relative order differs between the live run and a
 * replay. Whatever the interleaving (each topic's own order kept), the state must be the same.
 */
class GcProjectionOrderTest {
    private static final String D1 = "sha256:" + "1".repeat(64);
    private static final String D2 = "sha256:" + "2".repeat(64);
    private static final String M1 = "sha256:" + "a".repeat(64);
    private static final String M2 = "sha256:" + "b".repeat(64);

    private static List<Event> blobsTopic() {
        List<ChunkRef> c1 = List.of(new ChunkRef("c1", 100));
        List<ChunkRef> c1b = List.of(new ChunkRef("c1b", 100));
        return List.of(
                new Event.BlobCommitted(D1, 100, c1, "u1", 10),
                new Event.BlobCommitted(D2, 50, List.of(new ChunkRef("c2", 50)), "u2", 11),
                new Event.BlobDeletionScheduled(D1, c1, 40),
                new Event.BlobDeleted(D1, c1, 100, 41),
                new Event.BlobCommitted(D1, 100, c1b, "u3", 50));
    }

    private static List<Event> repositoriesTopic() {
        return List.of(
                new Event.BlobLinked("team/app", D1, 12),
                new Event.BlobLinked("team/app", D2, 13),
                new Event.BlobLinked("team/other", D1, 14),
                new Event.ManifestPushed("team/app", M1, "application/vnd.oci.image.manifest.v1+json", 300, "m1",
                        List.of(D2, D1), List.of(), null, null, null, 15),
                new Event.QuotaSet("team", 10_000, 16, null),
                new Event.ManifestDeleted("team/app", M1, 30, null),
                new Event.BlobLinked("solo", D2, 31),
                new Event.BlobLinked("team/app", D1, 51),
                new Event.ManifestPushed("solo", M2, "application/vnd.oci.image.manifest.v1+json", 77, "m2",
                        List.of(D2), List.of(), null, null, null, 52),
                new Event.BlobUnlinked("team/other", D1, 53));
    }

    private static String applyAll(List<Event> events) {
        MemoryKvStore store = new MemoryKvStore();
        for (Event e : events) {
            KvStore.Batch b = new KvStore.Batch();
            GcService.handler(dev.strata.core.spi.Namespaces.firstComponent()).apply(e, store, b);
            store.write(b);
        }
        return Replay.checksum(store);
    }

    /** A random interleaving of two sequences that keeps each one's order. */
    private static List<Event> interleave(List<Event> a, List<Event> b, Random rnd) {
        List<Event> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (j >= b.size() || (i < a.size() && rnd.nextBoolean())) out.add(a.get(i++));
            else out.add(b.get(j++));
        }
        return out;
    }

    @Test
    void everyInterleavingOfTheTwoTopicsGivesTheSameState() {
        List<Event> blobs = blobsTopic();
        List<Event> repos = repositoriesTopic();
        List<Event> natural = new ArrayList<>();
        // the live order: by time
        natural.addAll(blobs);
        natural.addAll(repos);
        natural.sort(java.util.Comparator.comparingLong(GcProjectionOrderTest::at));
        String expected = applyAll(natural);
        List<Event> blobsFirst = new ArrayList<>(blobs);
        blobsFirst.addAll(repos);
        assertEquals(expected, applyAll(blobsFirst));
        List<Event> reposFirst = new ArrayList<>(repos);
        reposFirst.addAll(blobs);
        assertEquals(expected, applyAll(reposFirst));
        Random rnd = new Random(42);
        for (int k = 0; k < 200; k++) assertEquals(expected, applyAll(interleave(blobs, repos, rnd)), "interleaving " + k);
    }

    @Test
    void usageCountsWhatTheNamespaceHoldsAfterAllOfIt() {
        MemoryKvStore store = new MemoryKvStore();
        List<Event> all = new ArrayList<>(repositoriesTopic());
        all.addAll(blobsTopic());
        for (Event e : all) {
            KvStore.Batch b = new KvStore.Batch();
            GcService.handler(dev.strata.core.spi.Namespaces.firstComponent()).apply(e, store, b);
            store.write(b);
        }
        // team holds D2 (linked at 13, never deleted: 50 bytes) and D1 (team/app linked again at 51,
        // after the deletion at 41: 100 bytes); M1 was deleted. solo holds D2 (50) and M2 (77).
        assertEquals(150, Long.parseLong(new String(store.get(GcService.USAGE + "team"))));
        assertEquals(127, Long.parseLong(new String(store.get(GcService.USAGE + "solo"))));
        assertEquals(10_000, Long.parseLong(new String(store.get(GcService.QUOTA + "team"))));
    }

    private static long at(Event e) {
        try {
            return (long) e.getClass().getMethod("at").invoke(e);
        } catch (ReflectiveOperationException x) {
            throw new IllegalStateException(x);
        }
    }
}
