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
 * <p>A request body still streaming into a live session renews a lease ({@code UploadChunksHeld},
 * every few seconds to a minute, see the gateway's {@code uploadHold}) naming the chunks it has
 * stored since its last renewal: those are held while the session is live and its latest hold is
 * recent ({@link #chunkIds(KvStore, long)}), so a body that streams for longer than the orphan
 * grace keeps its first chunks, and the chunks of a body whose gateway died become orphans once the
 * holds stop for the grace. A hold for a session that is not live is ignored (it can only follow
 * the session's end, which released everything).
 *
 * <p>State: {@code us/<uploadId>} → the number of appends N; {@code uc/<uploadId>|<i>} → the
 * comma-separated chunk ids of append i (0..N-1); {@code uh/<uploadId>} → "M,T": the number of
 * holds and the time of the latest; {@code uk/<uploadId>|<j>} → the chunk ids of hold j (0..M-1).
 * Each event writes O(its chunks) keys; none scans. A session's end deletes all of them.
 */
final class LiveUploads {
    /** "us/uploadId" → the number of appends recorded for a live session. */
    static final String SESSION = "us/";
    /** "uc/uploadId|i" → the chunk ids of the session's i-th append, comma-separated. */
    static final String CHUNKS = "uc/";
    /** "uh/uploadId" → "M,T": the number of holds of a live session and the time of its latest. */
    static final String HOLDS = "uh/";
    /** "uk/uploadId|j" → the chunk ids named by the session's j-th hold, comma-separated. */
    static final String HELD = "uk/";

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
            batch.put(CHUNKS + e.uploadId() + "|" + n, join(e.chunks().stream().map(ChunkRef::id).toList()));
            batch.put(SESSION + e.uploadId(), count(n + 1));
        } else if (event instanceof Event.UploadChunksHeld e) {
            if (appends(store, batch, e.uploadId()) < 0) return; // not live: its end released everything
            long[] h = holds(store, batch, e.uploadId());
            batch.put(HELD + e.uploadId() + "|" + h[0], join(e.chunkIds()));
            batch.put(HOLDS + e.uploadId(), (h[0] + 1 + "," + Math.max(h[1], e.at())).getBytes(StandardCharsets.US_ASCII));
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
        long held = holds(store, batch, uploadId)[0];
        for (long j = 0; j < held; j++) batch.delete(HELD + uploadId + "|" + j);
        batch.delete(HOLDS + uploadId);
    }

    /** The session's {number of holds, time of the latest}; {0, 0} without any. */
    private static long[] holds(KvStore store, KvStore.Batch batch, String uploadId) {
        return parseHolds(GcService.read(store, batch, HOLDS + uploadId));
    }

    private static long[] parseHolds(byte[] v) {
        if (v == null) return new long[] {0, 0};
        String[] parts = new String(v, StandardCharsets.US_ASCII).split(",");
        return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
    }

    private static byte[] join(java.util.List<String> ids) {
        return String.join(",", ids).getBytes(StandardCharsets.US_ASCII);
    }

    /** The session's number of appends, or -1 when it is not live. */
    private static long appends(KvStore store, KvStore.Batch batch, String uploadId) {
        byte[] v = GcService.read(store, batch, SESSION + uploadId);
        return v == null ? -1 : Long.parseLong(new String(v, StandardCharsets.US_ASCII));
    }

    private static byte[] count(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Every chunk id a live session holds, as applied so far: those of its appends, and those its
     * bodies named in holds when its latest hold is at or after {@code heldSince} (epoch millis).
     */
    static Set<String> chunkIds(KvStore store, long heldSince) {
        Set<String> ids = new HashSet<>();
        store.scan(CHUNKS, null, (k, v) -> addIds(ids, v));
        store.scan(HOLDS, null, (k, v) -> {
            if (parseHolds(v)[1] >= heldSince) store.scan(HELD + k.substring(HOLDS.length()) + "|", null, (hk, hv) -> addIds(ids, hv));
            return true;
        });
        return ids;
    }

    private static boolean addIds(Set<String> ids, byte[] v) {
        if (v.length > 0) for (String id : new String(v, StandardCharsets.US_ASCII).split(",")) ids.add(id);
        return true;
    }
}
