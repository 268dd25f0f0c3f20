package dev.strata.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.events.Event;
import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.spi.KvStore;
import dev.strata.core.spi.MemoryKvStore;
import dev.strata.core.spi.Namespaces;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The gc projection's view of live upload sessions: which chunks no orphan pass may take. */
class LiveUploadsTest {
    private MemoryKvStore store = new MemoryKvStore();

    /** Applies the events as one batch (a batch sees its own writes) or one batch each. */
    private void apply(boolean oneBatch, Event... events) {
        KvStore.Batch b = new KvStore.Batch();
        for (Event e : events) {
            GcService.handler(Namespaces.firstComponent()).apply(e, store, b);
            if (!oneBatch) {
                store.write(b);
                b = new KvStore.Batch();
            }
        }
        store.write(b);
    }

    private static Event append(String upload, long offset, String... ids) {
        List<ChunkRef> cs = new ArrayList<>();
        for (String id : ids) cs.add(new ChunkRef(id, 10));
        return new Event.UploadChunksAppended(upload, offset, cs, 1);
    }

    @Test
    void aSessionHoldsEveryAppendedChunkUntilItCompletesOrIsCancelled() {
        for (boolean oneBatch : new boolean[] {false, true}) {
            store = new MemoryKvStore();
            apply(oneBatch, new Event.UploadStarted("u1", "r", 1), append("u1", 0, "c-1", "c-2"), append("u1", 20, "c-3"),
                    new Event.UploadStarted("u2", "r", 1), append("u2", 0, "c-4"));
            assertEquals(Set.of("c-1", "c-2", "c-3", "c-4"), LiveUploads.chunkIds(store, 0));
            apply(oneBatch, append("u1", 5, "c-5")); // a stale offset the upload-service ignores: held all the same
            assertEquals(Set.of("c-1", "c-2", "c-3", "c-4", "c-5"), LiveUploads.chunkIds(store, 0));
            apply(oneBatch, new Event.UploadCompleted("u1", "sha256:" + "a".repeat(64), 2), new Event.UploadCancelled("u2", "expired", 2));
            assertEquals(Set.of(), LiveUploads.chunkIds(store, 0));
            assertTrue(keys().isEmpty(), "nothing left of ended sessions: " + keys());
        }
    }

    @Test
    void anAppendWithoutAStartStillHoldsItsChunks() {
        apply(false, append("u3", 0, "c-9"));
        assertEquals(Set.of("c-9"), LiveUploads.chunkIds(store, 0));
        apply(false, new Event.UploadStarted("u3", "r", 1)); // a late start keeps what was appended
        assertEquals(Set.of("c-9"), LiveUploads.chunkIds(store, 0));
        apply(false, new Event.UploadCancelled("u3", "gone", 2));
        assertEquals(Set.of(), LiveUploads.chunkIds(store, 0));
    }

    @Test
    void aBodyStillStreamingHoldsItsChunksWhileItsHoldsAreRecent() {
        for (boolean oneBatch : new boolean[] {false, true}) {
            store = new MemoryKvStore();
            apply(oneBatch, new Event.UploadStarted("u1", "r", 1), append("u1", 0, "c-1"),
                    new Event.UploadChunksHeld("u1", List.of("c-2", "c-3"), 1000), new Event.UploadChunksHeld("u1", List.of(), 2000),
                    new Event.UploadChunksHeld("u1", List.of("c-4"), 1500)); // out of clock order: the latest time counts
            assertEquals(Set.of("c-1", "c-2", "c-3", "c-4"), LiveUploads.chunkIds(store, 2000), "renewed at 2000");
            assertEquals(Set.of("c-1"), LiveUploads.chunkIds(store, 2001), "no hold since: the body's gateway is gone, its chunks are orphans");
            apply(oneBatch, new Event.UploadCompleted("u1", "sha256:" + "a".repeat(64), 3));
            assertEquals(Set.of(), LiveUploads.chunkIds(store, 0));
            apply(oneBatch, new Event.UploadChunksHeld("u1", List.of("c-5"), 4000)); // after the end: ignored
            assertEquals(Set.of(), LiveUploads.chunkIds(store, 0));
            assertTrue(keys().isEmpty(), "nothing left of ended sessions: " + keys());
        }
    }

    private List<String> keys() {
        List<String> out = new ArrayList<>();
        for (String p : List.of(LiveUploads.SESSION, LiveUploads.CHUNKS, LiveUploads.HOLDS, LiveUploads.HELD)) store.scan(p, null, (k, v) -> out.add(k));
        return out;
    }
}
