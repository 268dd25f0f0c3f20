package dev.strata.gc;

import dev.strata.core.events.Event;
import dev.strata.core.events.Event.BlobCommitted;
import dev.strata.core.events.Event.BlobDeleted;
import dev.strata.core.events.Event.BlobDeletionCancelled;
import dev.strata.core.events.Event.BlobDeletionScheduled;
import dev.strata.core.events.Event.BlobLinked;
import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.events.Event.ManifestDeleted;
import dev.strata.core.events.Event.ManifestPushed;
import dev.strata.core.log.EventLog;
import dev.strata.core.log.Position;
import dev.strata.core.log.Projection;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.GarbageCollector;
import dev.strata.core.spi.KvStore;
import dev.strata.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gc-service: the reference and usage projection, and online garbage collection of blobs.
 *
 * <p>The projection counts, per blob, the manifests (per repository) that reference it. A blob
 * whose count is zero is a candidate since the later of: its commit, the deletion of its last
 * referencing manifest, its last link (a push or mount into a repository). A candidate older than
 * the grace period is collected with the fenced protocol:
 * <ol>
 *   <li>append {@code BlobDeletionScheduled}; once the blob index has applied it, HEAD, mount and
 *       manifest validation see the blob as absent;</li>
 *   <li>wait until every manifest PUT that validated before that has appended and been applied
 *       (the validation fence), and until this projection has caught up;</li>
 *   <li>re-check: still unreferenced and not linked again → delete the chunks, append
 *       {@code BlobDeleted}; otherwise append {@code BlobDeletionCancelled}.</li>
 * </ol>
 * So no accepted manifest ever points to a deleted blob, and a push that races a deletion either
 * restores the blob (a new commit) or gets MANIFEST_BLOB_UNKNOWN and pushes the blob again.
 */
public final class GcService implements GarbageCollector, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GcService.class);
    /** The topics this projection consumes. */
    public static final List<Event.Topic> TOPICS = List.of(Event.Topic.BLOBS, Event.Topic.REPOSITORIES);
    static final String BLOBS = "usage/blobs";
    static final String BYTES = "usage/bytes";
    /** "b/digest" → {@link Blob}: every stored blob. */
    static final String BLOB = "b/";
    /** "rc/digest" → number of (repository, manifest) pairs that reference the blob. */
    static final String REFS = "rc/";
    /** "c/digest" → epoch millis since which the blob is unreferenced: a candidate. */
    static final String CANDIDATE = "c/";
    /** "m/repo|digest" → the blobs a manifest in a repository references. */
    static final String MANIFEST = "m/";
    /** "d/digest": a deletion is scheduled. */
    static final String DELETING = "d/";

    /** Totals over every stored blob. */
    public record Usage(long blobs, long bytes) {}

    /** A stored blob as the GC sees it. */
    record Blob(long size, List<ChunkRef> chunks) {}


    private final EventLog log;
    private final KvStore store;
    private final ChunkStore chunks;
    private final Clock clock;
    private final GcConfig config;
    private final Duration timeout;
    private final Runnable validationFence;
    private final Consumer<Position> awaitBlobIndex;
    private final java.util.function.Function<Duration, List<String>> expireUploads;
    private final Projection projection;
    private final Object passLock = new Object();
    private Thread online;
    private volatile boolean running = true;

    /**
     * @param validationFence returns once in-flight manifest validations have been applied
     * @param awaitBlobIndex  returns once the blob index (upload-service) has applied a position
     * @param expireUploads   cancels upload sessions idle for the given time (upload-service)
     */
    public GcService(EventLog log, KvStore store, ChunkStore chunks, Clock clock, GcConfig config, Duration timeout,
                     Runnable validationFence, Consumer<Position> awaitBlobIndex,
                     java.util.function.Function<Duration, List<String>> expireUploads) {
        this.expireUploads = expireUploads;
        this.log = log;
        this.store = store;
        this.chunks = chunks;
        this.clock = clock;
        this.config = config;
        this.timeout = timeout;
        this.validationFence = validationFence;
        this.awaitBlobIndex = awaitBlobIndex;
        this.projection = new Projection("gc", log.config(), TOPICS, store, GcService::apply);
    }

    public GcService start() {
        projection.start(timeout).awaitCaughtUp(timeout.multipliedBy(10));
        if (!config.interval().isZero()) {
            online = new Thread(this::onlineLoop, "gc-online");
            online.setDaemon(true);
            online.start();
        }
        return this;
    }

    public Projection projection() { return projection; }

    // ---- projection

    /** The projection's apply function: also used by replay. */
    public static void apply(Event event, KvStore store, KvStore.Batch batch) {
        if (event instanceof BlobCommitted e) {
            boolean stored = store.get(BLOB + e.digest()) != null;
            boolean deleting = store.get(DELETING + e.digest()) != null;
            if (stored && !deleting) return; // a lost race: the first commit counts
            batch.put(BLOB + e.digest(), Json.write(new Blob(e.size(), e.chunks())));
            batch.delete(DELETING + e.digest());
            if (!stored) {
                add(store, batch, BLOBS, 1);
                add(store, batch, BYTES, e.size());
            }
            if (number(store, REFS + e.digest()) == 0) batch.put(CANDIDATE + e.digest(), millis(e.at()));
        } else if (event instanceof BlobLinked e) {
            // a push or mount uses the blob now: its grace period starts again
            if (store.get(CANDIDATE + e.digest()) != null) batch.put(CANDIDATE + e.digest(), millis(e.at()));
        } else if (event instanceof ManifestPushed e) {
            String key = MANIFEST + e.repository() + "|" + e.digest();
            if (store.get(key) != null) return;
            batch.put(key, Json.write(e.blobs()));
            for (String b : distinct(e.blobs())) {
                batch.put(REFS + b, Long.toString(number(store, REFS + b) + 1).getBytes(StandardCharsets.US_ASCII));
                batch.delete(CANDIDATE + b);
            }
        } else if (event instanceof ManifestDeleted e) {
            String key = MANIFEST + e.repository() + "|" + e.digest();
            byte[] v = store.get(key);
            if (v == null) return;
            batch.delete(key);
            for (String b : distinct(List.of(Json.read(v, String[].class)))) {
                long n = number(store, REFS + b) - 1;
                if (n <= 0) {
                    batch.delete(REFS + b);
                    if (store.get(BLOB + b) != null) batch.put(CANDIDATE + b, millis(e.at()));
                } else {
                    batch.put(REFS + b, Long.toString(n).getBytes(StandardCharsets.US_ASCII));
                }
            }
        } else if (event instanceof BlobDeletionScheduled e) {
            batch.put(DELETING + e.digest(), new byte[0]);
        } else if (event instanceof BlobDeletionCancelled e) {
            batch.delete(DELETING + e.digest());
        } else if (event instanceof BlobDeleted e) {
            byte[] v = store.get(BLOB + e.digest());
            if (v == null) return;
            Blob b = Json.read(v, Blob.class);
            if (!ids(b.chunks()).equals(ids(e.chunks()))) return; // committed again meanwhile: it stays
            batch.delete(BLOB + e.digest());
            batch.delete(DELETING + e.digest());
            batch.delete(CANDIDATE + e.digest());
            add(store, batch, BLOBS, -1);
            add(store, batch, BYTES, -b.size());
        }
        // other events (uploads, tags, links removed) change nothing here
    }

    private static List<String> distinct(List<String> xs) {
        return xs.stream().distinct().toList();
    }

    private static List<String> ids(List<ChunkRef> cs) {
        return cs.stream().map(ChunkRef::id).toList();
    }

    private static byte[] millis(long at) {
        return Long.toString(at).getBytes(StandardCharsets.US_ASCII);
    }

    private static void add(KvStore store, KvStore.Batch batch, String key, long delta) {
        byte[] pending = null;
        for (KvStore.Batch.Op op : batch.ops()) if (op.key().equals(key)) pending = op.value();
        long base = pending != null ? Long.parseLong(new String(pending, StandardCharsets.US_ASCII)) : number(store, key);
        batch.put(key, Long.toString(base + delta).getBytes(StandardCharsets.US_ASCII));
    }

    private static long number(KvStore store, String key) {
        byte[] v = store.get(key);
        return v == null ? 0 : Long.parseLong(new String(v, StandardCharsets.US_ASCII));
    }

    /** Usage as applied so far. */
    public Usage usage() {
        return new Usage(number(store, BLOBS), number(store, BYTES));
    }

    // ---- collection

    /** Candidates past the grace period, oldest first is not guaranteed; at most {@code limit}. */
    private List<Collected> due(long now, int limit) {
        List<Collected> out = new ArrayList<>();
        store.scan(CANDIDATE, null, (k, v) -> {
            String digest = k.substring(CANDIDATE.length());
            long since = Long.parseLong(new String(v, StandardCharsets.US_ASCII));
            if (since + config.grace().toMillis() <= now && store.get(DELETING + digest) == null) {
                byte[] b = store.get(BLOB + digest);
                if (b != null) {
                    out.add(new Collected(digest, Json.read(b, Blob.class).size(), since,
                            "unreferenced by any manifest since " + java.time.Instant.ofEpochMilli(since)));
                }
            }
            return out.size() < limit;
        });
        return out;
    }

    /**
     * One pass: collects what is due now (at most the configured number). A dry run only lists it.
     * Passes never overlap.
     */
    @Override
    public List<Collected> collect(boolean dryRun) {
        synchronized (passLock) {
            if (!dryRun) expireUploads.apply(config.uploadExpiry());
            long now = clock.millis();
            List<Collected> due = due(now, config.maxDeletesPerPass());
            if (dryRun || due.isEmpty()) return due;
            // 1. schedule every deletion of this pass
            List<Collected> scheduled = new ArrayList<>();
            List<List<ChunkRef>> scheduledChunks = new ArrayList<>();
            Position last = null;
            for (Collected c : due) {
                Blob b = Json.read(store.get(BLOB + c.digest()), Blob.class);
                last = log.append(new BlobDeletionScheduled(c.digest(), b.chunks(), clock.millis()));
                projection.await(last, timeout);
                awaitBlobIndex.accept(last);
                scheduled.add(c);
                scheduledChunks.add(b.chunks());
            }
            // 2. fence: PUTs that saw any of these blobs before the schedule are applied now
            validationFence.run();
            awaitLogEnd();
            // 3. re-check and delete, or cancel
            List<Collected> collected = new ArrayList<>();
            for (int i = 0; i < scheduled.size(); i++) {
                Collected c = scheduled.get(i);
                byte[] since = store.get(CANDIDATE + c.digest());
                boolean stillDue = since != null && Long.parseLong(new String(since, StandardCharsets.US_ASCII)) == c.unreferencedSince()
                        && store.get(DELETING + c.digest()) != null;
                if (!stillDue) {
                    projection.await(log.append(new BlobDeletionCancelled(c.digest(), "referenced or linked again", clock.millis())), timeout);
                    continue;
                }
                for (ChunkRef ch : scheduledChunks.get(i)) {
                    try {
                        chunks.delete(ch.id());
                    } catch (RuntimeException e) {
                        LOG.warn("gc: could not delete chunk {} of {}: {}", ch.id(), c.digest(), e.toString());
                    }
                }
                Position p = log.append(new BlobDeleted(c.digest(), scheduledChunks.get(i), c.size(), clock.millis()));
                projection.await(p, timeout);
                awaitBlobIndex.accept(p);
                collected.add(c);
            }
            if (!collected.isEmpty()) LOG.info("gc: collected {} blobs, {} bytes", collected.size(),
                    collected.stream().mapToLong(Collected::size).sum());
            return collected;
        }
    }

    /** Waits until this projection has applied everything in the log as of now. */
    private void awaitLogEnd() {
        for (var e : projection.endOffsets(timeout).entrySet()) {
            projection.await(new Position(e.getKey().topic(), e.getKey().partition(), e.getValue() - 1), timeout);
        }
    }

    private void onlineLoop() {
        while (running) {
            try {
                Thread.sleep(config.interval().toMillis());
                if (running) collect(false);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("gc pass failed, will retry: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        running = false;
        if (online != null) online.interrupt();
        projection.close();
    }
}
