package dev.strata.gc;

import dev.strata.core.events.Event;
import dev.strata.core.events.Event.BlobCommitted;
import dev.strata.core.log.LogConfig;
import dev.strata.core.log.Projection;
import dev.strata.core.spi.KvStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The gc-service. So far it keeps the storage-usage projection (committed blobs and their bytes)
 * that garbage collection and quotas will build on; it deletes nothing yet.
 */
public final class GcService implements AutoCloseable {
    /** The topics this projection consumes. */
    public static final List<Event.Topic> TOPICS = List.of(Event.Topic.BLOBS);
    static final String BLOBS = "usage/blobs";
    static final String BYTES = "usage/bytes";
    static final String SEEN = "seen/";

    /** Totals over every committed blob. */
    public record Usage(long blobs, long bytes) {}

    private final KvStore store;
    private final Duration timeout;
    private final Projection projection;

    public GcService(LogConfig log, KvStore store, Duration timeout) {
        this.store = store;
        this.timeout = timeout;
        this.projection = new Projection("gc", log, TOPICS, store, GcService::apply);
    }

    public GcService start() {
        projection.start(timeout).awaitCaughtUp(timeout.multipliedBy(10));
        return this;
    }

    public Projection projection() { return projection; }

    /** The projection's apply function: also used by replay. */
    public static void apply(Event event, KvStore store, KvStore.Batch batch) {
        if (event instanceof BlobCommitted e) {
            if (store.get(SEEN + e.digest()) != null) return; // a lost race: the first commit counts
            batch.put(SEEN + e.digest(), new byte[0]);
            batch.put(BLOBS, Long.toString(number(store, BLOBS) + 1).getBytes(StandardCharsets.US_ASCII));
            batch.put(BYTES, Long.toString(number(store, BYTES) + e.size()).getBytes(StandardCharsets.US_ASCII));
        } else {
            throw new IllegalArgumentException("gc projection cannot apply " + event.getClass().getSimpleName());
        }
    }

    private static long number(KvStore store, String key) {
        byte[] v = store.get(key);
        return v == null ? 0 : Long.parseLong(new String(v, StandardCharsets.US_ASCII));
    }

    /** Usage as applied so far. */
    public Usage usage() {
        return new Usage(number(store, BLOBS), number(store, BYTES));
    }

    @Override
    public void close() {
        projection.close();
    }
}
