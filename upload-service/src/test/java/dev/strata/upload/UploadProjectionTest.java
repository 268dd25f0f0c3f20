package dev.strata.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
        // the winner's upload owns its chunks; the loser's does not
        assertEquals(d, new String(store.get(UploadServiceImpl.COMMITTED_UPLOAD + "u1")));
        assertNull(store.get(UploadServiceImpl.COMMITTED_UPLOAD + "u2"));
    }

    @Test
    void foreignEventsAreRejectedLoudly() {
        assertThrows(IllegalArgumentException.class, () -> apply(new Event.TagDeleted("r", "t", 1)));
    }
}
