package dev.strata.gc;

import dev.strata.core.events.Event;
import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.spi.KvStore;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * The chunks live upload sessions hold, as the gc projection's own view of the uploads topic, so the
 * gc-service judges orphan chunks without asking the upload-service and a replay rebuilds it.
 *
 * <p>A session is live from {@code UploadStarted} (or its first {@code UploadChunksAppended}) until
 * {@code UploadCompleted} or {@code UploadCancelled} (expiry is a cancel). Every chunk of every
 * append to a live session is held, also of an append the upload-service ignored (one at a stale
 * offset): this view holds a superset of the sessions' chunks, never fewer, and releases them all
 * when the session ends. All events of one upload share its key, so their order is the log's.
 *
 * <p>State: {@code us/<uploadId>} → the number of appends N; {@code uc/<uploadId>|<i>} → the
 * comma-separated chunk ids of append i (0..N-1). Each event writes O(its chunks) keys; none scans.
 */
final class LiveUploads {
    /** "us/uploadId" → the number of appends recorded for a live session. */
    static final String SESSION = "us/";
    /** "uc/uploadId|i" → the chunk ids of the session's i-th append, comma-separated. */
    static final String CHUNKS = "uc/";

    private LiveUploads() {}

    /** Whether the event is one of the uploads topic's (and so applied here). */
    static boolean handles(Event e) {
        return e.topic() == Event.Topic.UPLOADS;
    }

    /** Applies an uploads-topic event; {@code read} sees the batch's own writes. */
    static void apply(Event event, KvStore store, KvStore.Batch batch) {
        if (event instanceof Event.UploadStarted e) {
            if (appends(store, batch, e.uploadId()) < 0) batch.put(SESSION + e.uploadId(), count(0));
        } else if (event instanceof Event.UploadChunksAppended e) {
            long n = Math.max(0, appends(store, batch, e.uploadId()));
            StringBuilder ids = new StringBuilder();
            for (ChunkRef c : e.chunks()) ids.append(ids.length() == 0 ? "" : ",").append(c.id());
            batch.put(CHUNKS + e.uploadId() + "|" + n, ids.toString().getBytes(StandardCharsets.US_ASCII));
            batch.put(SESSION + e.uploadId(), count(n + 1));
        } else if (event instanceof Event.UploadCompleted e) {
            end(store, batch, e.uploadId());
        } else if (event instanceof Event.UploadCancelled e) {
            end(store, batch, e.uploadId());
        }
    }

    private static void end(KvStore store, KvStore.Batch batch, String uploadId) {
        long n = appends(store, batch, uploadId);
        for (long i = 0; i < n; i++) batch.delete(CHUNKS + uploadId + "|" + i);
        batch.delete(SESSION + uploadId);
    }

    /** The session's number of appends, or -1 when it is not live. */
    private static long appends(KvStore store, KvStore.Batch batch, String uploadId) {
        byte[] v = GcService.read(store, batch, SESSION + uploadId);
        return v == null ? -1 : Long.parseLong(new String(v, StandardCharsets.US_ASCII));
    }

    private static byte[] count(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    /** Every chunk id a live session holds, as applied so far. */
    static Set<String> chunkIds(KvStore store) {
        Set<String> ids = new HashSet<>();
        store.scan(CHUNKS, null, (k, v) -> {
            if (v.length > 0) for (String id : new String(v, StandardCharsets.US_ASCII).split(",")) ids.add(id);
            return true;
        });
        return ids;
    }
}
