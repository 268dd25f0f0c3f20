package dev.strata.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.events.Event;
import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.spi.BlobRecord;
import dev.strata.core.spi.KvStore;
import dev.strata.core.spi.MemoryKvStore;
import dev.strata.core.spi.UploadSession;
import dev.strata.core.util.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The uploads projection's apply function: pure state transitions over a KvStore. */
class UploadProjectionTest {
    private final MemoryKvStore store = new MemoryKvStore();

    private void apply(Event e) {
        KvStore.Batch b = new KvStore.Batch();
        UploadServiceImpl.apply(e, store, b);
        store.write(b);
    }

    private UploadSession session(String id) {
        byte[] v = store.get(UploadServiceImpl.SESSION + id);
        return v == null ? null : Json.read(v, UploadSession.class);
    }

    @Test
    void appendsAtTheEndGrowTheSessionOthersAreIgnored() {
        apply(new Event.UploadStarted("u1", "repo", 10));
        apply(new Event.UploadChunksAppended("u1", 0, List.of(new ChunkRef("c1", 100), new ChunkRef("c2", 50)), 11));
        assertEquals(150, session("u1").size());
        // a second append claiming offset 0 (a lost race) changes nothing
        apply(new Event.UploadChunksAppended("u1", 0, List.of(new ChunkRef("c3", 7)), 12));
        // so does one past the end
        apply(new Event.UploadChunksAppended("u1", 200, List.of(new ChunkRef("c4", 7)), 12));
        UploadSession s = session("u1");
        assertEquals(150, s.size());
        assertEquals(List.of("c1", "c2"), s.chunks().stream().map(ChunkRef::id).toList());
        assertEquals(11, s.updatedAt());
        apply(new Event.UploadChunksAppended("u1", 150, List.of(new ChunkRef("c5", 1)), 13));
        assertEquals(151, session("u1").size());
    }

    @Test
    void aHoldOfABodyStillStreamingKeepsTheSessionFromLookingIdle() {
        apply(new Event.UploadStarted("u1", "repo", 10));
        apply(new Event.UploadChunksHeld("u1", List.of("c1"), 500));
        UploadSession s = session("u1");
        assertEquals(500, s.updatedAt(), "idle expiry goes by updatedAt");
        assertEquals(0, s.size(), "a hold records no bytes");
        apply(new Event.UploadChunksHeld("u1", List.of(), 400)); // an older clock: no step back
        assertEquals(500, session("u1").updatedAt());
        apply(new Event.UploadChunksHeld("gone", List.of("c2"), 500));
        assertNull(session("gone"));
    }

    @Test
    void appendToAnUnknownUploadIsIgnored() {
        apply(new Event.UploadChunksAppended("nope", 0, List.of(new ChunkRef("c", 1)), 1));
        assertNull(session("nope"));
    }

    @Test
    void completedAndCancelledSessionsAreGone() {
        apply(new Event.UploadStarted("a", "r", 1));
        apply(new Event.UploadStarted("b", "r", 1));
        apply(new Event.UploadCompleted("a", "sha256:" + "0".repeat(64), 2));
        apply(new Event.UploadCancelled("b", "client", 2));
        assertNull(session("a"));
        assertNull(session("b"));
    }

    @Test
    void theFirstCommitOfADigestWins() {
        String d = "sha256:" + "1".repeat(64);
        apply(new Event.BlobCommitted(d, 5, List.of(new ChunkRef("first", 5)), "u1", 1));
        apply(new Event.BlobCommitted(d, 5, List.of(new ChunkRef("second", 5)), "u2", 2));
        BlobRecord b = Json.read(store.get(UploadServiceImpl.BLOB + d), BlobRecord.class);
        assertEquals("first", b.chunks().get(0).id());
        // the winner's chunks are the blob's: a cancel of its session must not delete them; the loser's are not
        assertEquals(d, new String(store.get(UploadServiceImpl.BLOB_FIRST_CHUNK + "first")));
        assertNull(store.get(UploadServiceImpl.BLOB_FIRST_CHUNK + "second"));
        apply(new Event.BlobDeleted(d, List.of(new ChunkRef("first", 5)), 5, 3));
        assertNull(store.get(UploadServiceImpl.BLOB_FIRST_CHUNK + "first"), "gone with the blob");
        apply(new Event.BlobCommitted(d, 5, List.of(new ChunkRef("third", 5)), "u3", 4));
        apply(new Event.BlobDeletionScheduled(d, List.of(new ChunkRef("third", 5)), 5));
        apply(new Event.BlobCommitted(d, 5, List.of(new ChunkRef("fourth", 5)), "u4", 6)); // a push over a deletion brings it back
        assertNull(store.get(UploadServiceImpl.BLOB_FIRST_CHUNK + "third"));
        assertEquals(d, new String(store.get(UploadServiceImpl.BLOB_FIRST_CHUNK + "fourth")));
    }

    /** One finished upload: its events on the uploads topic and its blob's commit on the blobs topic. */
    private static List<List<Event>> finishedUpload(int n, long at) {
        String id = "up-" + n;
        String d = "sha256:" + String.format("%064x", n);
        ChunkRef c = new ChunkRef("c-" + n, 10);
        return List.of(List.of(new Event.UploadStarted(id, "r", at), new Event.UploadChunksAppended(id, 0, List.of(c), at),
                        new Event.UploadCompleted(id, d, at + 1)),
                List.of(new Event.BlobCommitted(d, 10, List.of(c), id, at), new Event.BlobDeleted(d, List.of(c), 10, at + 2)));
    }

    private java.util.Map<String, String> keys(String... prefixes) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (String p : prefixes) store.scan(p, null, (k, v) -> out.put(k, new String(v)) == null);
        return out;
    }

    @Test
    void finishedUploadsLeaveNoKeysOnceTheirMarkersExpire() {
        long day = UploadServiceImpl.MARKER_LIFETIME.toMillis();
        int perDay = 300;
        for (int d = 0; d < 5; d++) {
            for (int i = 0; i < perDay; i++) {
                for (List<Event> topic : finishedUpload(d * perDay + i, 1_000_000 + d * (day + 1000) + i)) topic.forEach(this::apply);
            }
            java.util.Map<String, String> left = keys("u/", "b/", "bd/", "bf/", "cu/", "cd/", "ct/");
            // what is left: the completion markers of the latest day's uploads only, however many finished before
            assertEquals(2 * perDay, left.size(), "keys after " + (d + 1) * perDay + " finished uploads: " + left.size());
            assertEquals(perDay, keys("cd/").size());
        }
        // a retry of a recent commit still finds its marker
        assertTrue(new String(store.get(UploadServiceImpl.COMPLETED_UPLOAD + "up-" + (5 * perDay - 1)))
                .startsWith("sha256:" + String.format("%064x", 5 * perDay - 1) + ","));
    }

    @Test
    void whatIsLeftDependsOnTheEventsNotOnHowTheTwoTopicsInterleave() {
        long day = UploadServiceImpl.MARKER_LIFETIME.toMillis();
        List<List<List<Event>>> uploads = new java.util.ArrayList<>();
        for (int n = 0; n < 40; n++) uploads.add(finishedUpload(n, 1_000_000 + n * (day / 10)));
        // one upload completed twice (two instances), a day apart in their clocks
        String twice = "sha256:" + "9".repeat(64);
        uploads.add(List.of(List.of(new Event.UploadStarted("twice", "r", 1_000_000), new Event.UploadCompleted("twice", twice, 1_000_001),
                        new Event.UploadCompleted("twice", twice, 1_000_000 + 3 * day)),
                List.of(new Event.BlobCommitted(twice, 1, List.of(new ChunkRef("t", 1)), "twice", 1_000_000),
                        new Event.BlobDeleted(twice, List.of(new ChunkRef("t", 1)), 1, 1_000_002))));
        // live order: each upload's events as they happened
        for (List<List<Event>> u : uploads) {
            apply(u.get(0).get(0));
            apply(u.get(0).get(1));
            apply(u.get(1).get(0));
            apply(u.get(0).get(2));
            apply(u.get(1).get(1));
        }
        java.util.Map<String, String> live = keys("");
        // a replay that reads all of the blobs topic first, then the uploads topic in reverse partition order
        store.scan("", null, (k, v) -> { store.write(new KvStore.Batch().delete(k)); return true; });
        for (List<List<Event>> u : uploads) u.get(1).forEach(this::apply);
        for (int n = uploads.size() - 1; n >= 0; n--) uploads.get(n).get(0).forEach(this::apply);
        assertEquals(live, keys(""));
    }

    @Test
    void aStoreOfThePreviousVersionLosesItsPerUploadMarkersAndIndexesItsBlobs() {
        String d = "sha256:" + "2".repeat(64);
        store.write(new KvStore.Batch()
                .put(UploadServiceImpl.BLOB + d, Json.write(new BlobRecord(d, 5, List.of(new ChunkRef("kept", 5)))))
                .put(UploadServiceImpl.LEGACY_COMMITTED_UPLOAD + "u1", d.getBytes())
                .put(UploadServiceImpl.LEGACY_COMMITTED_UPLOAD + "u2", d.getBytes())
                .put(UploadServiceImpl.COMPLETED_UPLOAD + "u1", d.getBytes()));
        UploadServiceImpl.migrate(store);
        assertEquals(java.util.Map.of(UploadServiceImpl.BLOB_FIRST_CHUNK + "kept", d), keys("bf/", "cu/", "cd/"));
        UploadServiceImpl.migrate(store); // nothing more to do
        assertEquals(1, keys("bf/", "cu/", "cd/").size());
    }

    @Test
    void foreignEventsAreRejectedLoudly() {
        assertThrows(IllegalArgumentException.class, () -> apply(new Event.TagDeleted("r", "t", 1)));
    }
}
