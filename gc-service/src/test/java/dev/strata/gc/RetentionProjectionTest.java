package dev.strata.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.events.Event;
import dev.strata.core.oci.Descriptor;
import dev.strata.core.spi.KvStore;
import dev.strata.core.spi.MemoryKvStore;
import dev.strata.core.spi.Namespaces;
import dev.strata.core.util.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The retention state the gc projection keeps per manifest: tags, untagged-since, parents, subject. */
class RetentionProjectionTest {
    private static final String R = "team/app";
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);
    private static final String I = "sha256:" + "c".repeat(64);
    private static final String S = "sha256:" + "d".repeat(64);
    private final MemoryKvStore store = new MemoryKvStore();

    private void apply(Event e) {
        KvStore.Batch b = new KvStore.Batch();
        GcService.handler(Namespaces.firstComponent()).apply(e, store, b);
        store.write(b);
    }

    private static Event pushed(String digest, List<String> children, String subject, long at) {
        return new Event.ManifestPushed(R, digest, "application/vnd.oci.image.manifest.v1+json", 100, "m-" + digest, List.of(),
                children, subject == null ? null : new Descriptor("application/vnd.oci.image.manifest.v1+json", subject, 1, null, null),
                null, null, at);
    }

    private GcService.Held held(String digest) {
        byte[] v = store.get(GcService.HELD + R + "|" + digest);
        return v == null ? null : Json.read(v, GcService.Held.class);
    }

    private boolean untagged(String digest) {
        return store.get(GcService.UNTAGGED + R + "|" + digest) != null;
    }

    @Test
    void tagsMovingAndGoingSetTheUntaggedClock() {
        apply(pushed(A, List.of(), null, 10));
        assertTrue(untagged(A), "pushed by digest: untagged from its push");
        assertEquals(10, held(A).untaggedSince());
        apply(new Event.TagUpdated(R, "v1", A, 11));
        apply(new Event.TagUpdated(R, "latest", A, 12));
        assertFalse(untagged(A));
        assertEquals(2, held(A).tags());
        apply(pushed(B, List.of(), null, 20));
        apply(new Event.TagUpdated(R, "latest", B, 21)); // latest moves away from A
        assertFalse(untagged(A), "v1 still holds it");
        apply(new Event.TagUpdated(R, "latest", B, 22)); // the same target again changes nothing
        assertEquals(1, held(B).tags());
        apply(new Event.TagDeleted(R, "v1", 30));
        assertTrue(untagged(A));
        assertEquals(30, held(A).untaggedSince());
        assertTrue(held(A).wasTagged(), "the time machine applies to it");
        apply(new Event.TagDeleted(R, "v1", 31)); // an unknown tag changes nothing
        assertEquals(30, held(A).untaggedSince());
    }

    @Test
    void indexesCountAsParentsAndDeletesReleaseChildrenAndTags() {
        apply(pushed(A, List.of(), null, 1));
        apply(pushed(I, List.of(A, A), null, 2));
        apply(new Event.TagUpdated(R, "multi", I, 3));
        assertEquals("1", new String(store.get(GcService.PARENTS + R + "|" + A)), "a child listed twice counts once");
        apply(new Event.ManifestDeleted(R, I, 4));
        assertNull(store.get(GcService.PARENTS + R + "|" + A));
        assertNull(held(I));
        assertNull(store.get(GcService.TAG + R + "|multi"), "its tags went with it");
        assertEquals("4", new String(store.get(GcService.MANIFEST_GONE + R + "|" + I)));
        // a re-push of the same digest later starts afresh, untagged
        apply(pushed(I, List.of(A), null, 5));
        assertTrue(untagged(I));
        assertEquals(0, held(I).tags());
    }

    @Test
    void aRepushRestartsTheClockOfAnUntaggedManifestAndReferrersRememberTheirSubject() {
        apply(pushed(A, List.of(), S, 1));
        assertEquals(S, held(A).subject());
        apply(pushed(A, List.of(), S, 9));
        assertEquals(9, held(A).untaggedSince());
    }
}
