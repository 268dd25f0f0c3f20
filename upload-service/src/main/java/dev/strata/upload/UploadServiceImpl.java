package dev.strata.upload;

import dev.strata.core.events.Event;
import dev.strata.core.events.Event.BlobCommitted;
import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.events.Event.UploadCancelled;
import dev.strata.core.events.Event.UploadChunksAppended;
import dev.strata.core.events.Event.UploadCompleted;
import dev.strata.core.events.Event.UploadStarted;
import dev.strata.core.log.EventLog;
import dev.strata.core.log.Projection;
import dev.strata.core.oci.Digest;
import dev.strata.core.oci.OciError;
import dev.strata.core.spi.BlobRecord;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.KvStore;
import dev.strata.core.spi.UploadService;
import dev.strata.core.spi.UploadSession;
import dev.strata.core.util.Json;
import dev.strata.core.util.KeyedLocks;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upload-service: upload sessions and the blob index, as a projection of the uploads and blobs
 * topics. Commands for one upload are serialised by a per-upload lock, validated against the
 * caught-up projection, appended, and answered once applied.
 */
public final class UploadServiceImpl implements UploadService, AutoCloseable {
    /** The topics this projection consumes. */
    public static final List<Event.Topic> TOPICS = List.of(Event.Topic.UPLOADS, Event.Topic.BLOBS);
    private static final Logger LOG = LoggerFactory.getLogger(UploadServiceImpl.class);
    static final String SESSION = "u/";
    static final String BLOB = "b/";
    /**
     * "bf/chunkId" → the digest of the stored blob whose chunks start with it. A session's chunks are
     * the start of the blob its commit records, so a session whose first chunk is here must never have
     * its chunks deleted with it (a crash between the blob's commit and the session's end). One key
     * per stored blob, gone with the blob.
     */
    static final String BLOB_FIRST_CHUNK = "bf/";
    /** Written by versions before {@link #BLOB_FIRST_CHUNK}, one per upload ever committed; removed at start ({@link #migrate}). */
    static final String LEGACY_COMMITTED_UPLOAD = "cu/";
    /**
     * "cd/uploadId" → "digest,time" it completed with: a retried commit gets the same answer. Kept for
     * {@link #MARKER_LIFETIME} of later completions, indexed by time under {@link #COMPLETED_AT}.
     */
    static final String COMPLETED_UPLOAD = "cd/";
    /** "ct/&lt;completion time, 16 hex digits&gt;|uploadId": the completion markers in time order, for pruning. */
    static final String COMPLETED_AT = "ct/";
    /** The latest completion time applied: the projection's own clock for pruning completion markers. */
    static final String COMPLETION_CLOCK = "~clock/completed";
    /**
     * How long a completion marker answers retried commits, in completion time of later uploads (a
     * retry comes within a request timeout; a day also covers writers' clocks that disagree).
     * A marker older than the latest completion by more than this is deleted, or not written when
     * it arrives that late (a replay): what is left depends only on the events, not their order.
     */
    static final Duration MARKER_LIFETIME = Duration.ofHours(24);
    /** Marks a blob whose deletion is scheduled: it reads as absent. */
    static final String DELETING = "bd/";

    private final EventLog log;
    private final KvStore store;
    private final ChunkStore chunks;
    private final Clock clock;
    private final Duration timeout;
    private final Projection projection;
    private final KeyedLocks locks = new KeyedLocks(256);
    /** Runs the chunk stats of commits ({@link #checkChunks}); idle threads end after a minute. */
    private final ThreadPoolExecutor checker = new ThreadPoolExecutor(CHECK_PARALLELISM * 4, CHECK_PARALLELISM * 4,
            60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "upload-chunk-check");
                t.setDaemon(true);
                return t;
            });

    public UploadServiceImpl(EventLog log, KvStore store, ChunkStore chunks, Clock clock, Duration timeout) {
        checker.allowCoreThreadTimeOut(true);
        this.log = log;
        this.store = store;
        this.chunks = chunks;
        this.clock = clock;
        this.timeout = timeout;
        this.projection = new Projection("uploads", log.config(), TOPICS, store, UploadServiceImpl::apply);
    }

    /** Starts the projection and waits until it has applied the whole log. */
    public UploadServiceImpl start() {
        migrate(store);
        projection.start(timeout).awaitCaughtUp(timeout.multipliedBy(10));
        return this;
    }

    /**
     * Brings a store written by a version that kept a marker per upload ever made ({@code cu/}, and
     * {@code cd/} without a time) to this one: indexes every stored blob's first chunk
     * ({@link #BLOB_FIRST_CHUNK}, which now guards what {@code cu/} guarded) and deletes the old
     * markers (a retried commit comes within seconds, not across an upgrade). The old markers go last,
     * so a start interrupted half-way does it again. Nothing to do for any other store.
     */
    static void migrate(KvStore store) {
        boolean[] legacy = {false};
        store.scan(LEGACY_COMMITTED_UPLOAD, null, (k, v) -> !(legacy[0] = true));
        if (!legacy[0]) return;
        LOG.info("uploads: indexing the stored blobs' first chunks and deleting the per-upload markers of the previous version");
        KvStore.Batch[] b = {new KvStore.Batch()};
        store.scan(BLOB, null, (k, v) -> {
            BlobRecord blob = Json.read(v, BlobRecord.class);
            if (!blob.chunks().isEmpty()) b[0].put(BLOB_FIRST_CHUNK + blob.chunks().get(0).id(), blob.digest().getBytes(StandardCharsets.US_ASCII));
            if (b[0].ops().size() >= 10_000) {
                store.write(b[0]);
                b[0] = new KvStore.Batch();
            }
            return true;
        });
        if (!b[0].isEmpty()) store.write(b[0]);
        store.deleteAll(COMPLETED_UPLOAD);
        store.deleteAll(LEGACY_COMMITTED_UPLOAD);
    }


    public Projection projection() { return projection; }

    // ---- projection

    /** The projection's apply function: also used by replay. */
    public static void apply(Event event, KvStore store, KvStore.Batch batch) {
        if (event instanceof UploadStarted e) {
            batch.put(SESSION + e.uploadId(), Json.write(new UploadSession(e.uploadId(), e.repository(), 0, List.of(), e.at(), e.at())));
        } else if (event instanceof UploadChunksAppended e) {
            UploadSession s = read(store, SESSION + e.uploadId(), UploadSession.class);
            if (s == null || s.size() != e.offset()) {
                LOG.debug("ignoring append to {} at {}: not the session's end", e.uploadId(), e.offset());
                return;
            }
            List<ChunkRef> all = new ArrayList<>(s.chunks());
            all.addAll(e.chunks());
            batch.put(SESSION + e.uploadId(), Json.write(new UploadSession(s.uploadId(), s.repository(),
                    s.size() + total(e.chunks()), List.copyOf(all), s.startedAt(), e.at())));
        } else if (event instanceof Event.UploadChunksHeld e) {
            // a body still streaming: the session is in use (idle expiry goes by updatedAt)
            UploadSession s = read(store, SESSION + e.uploadId(), UploadSession.class);
            if (s != null && e.at() > s.updatedAt()) {
                batch.put(SESSION + e.uploadId(), Json.write(new UploadSession(s.uploadId(), s.repository(), s.size(), s.chunks(),
                        s.startedAt(), e.at())));
            }
        } else if (event instanceof UploadCompleted e) {
            batch.delete(SESSION + e.uploadId());
            completed(e, store, batch);
        } else if (event instanceof UploadCancelled e) {
            batch.delete(SESSION + e.uploadId());
        } else if (event instanceof BlobCommitted e) {
            // the first commit wins, except over a blob being deleted: a new push brings it back
            BlobRecord old = read(store, BLOB + e.digest(), BlobRecord.class);
            if (old == null || store.get(DELETING + e.digest()) != null) {
                batch.put(BLOB + e.digest(), Json.write(new BlobRecord(e.digest(), e.size(), e.chunks())));
                batch.delete(DELETING + e.digest());
                if (old != null && !old.chunks().isEmpty()) batch.delete(BLOB_FIRST_CHUNK + old.chunks().get(0).id());
                if (!e.chunks().isEmpty()) batch.put(BLOB_FIRST_CHUNK + e.chunks().get(0).id(), e.digest().getBytes(StandardCharsets.US_ASCII));
            }
        } else if (event instanceof Event.BlobDeletionScheduled e) {
            BlobRecord b = read(store, BLOB + e.digest(), BlobRecord.class);
            if (b != null && sameChunks(b.chunks(), e.chunks())) batch.put(DELETING + e.digest(), new byte[0]);
        } else if (event instanceof Event.BlobDeletionCancelled e) {
            batch.delete(DELETING + e.digest());
        } else if (event instanceof Event.BlobDeleted e) {
            BlobRecord b = read(store, BLOB + e.digest(), BlobRecord.class);
            if (b != null && sameChunks(b.chunks(), e.chunks())) {
                batch.delete(BLOB + e.digest());
                batch.delete(DELETING + e.digest());
                if (!b.chunks().isEmpty()) batch.delete(BLOB_FIRST_CHUNK + b.chunks().get(0).id());
            }
        } else if (event instanceof Event.ManifestBytesDeleted) {
            return; // manifest bytes are no blob of this index
        } else {
            throw new IllegalArgumentException("uploads projection cannot apply " + event.getClass().getSimpleName());
        }
    }

    /**
     * Records the completion marker (unless it is already past its lifetime), moves the clock, and
     * deletes the markers that are past it now: the oldest first, so each completion deletes only
     * what has expired.
     */
    private static void completed(UploadCompleted e, KvStore store, KvStore.Batch batch) {
        byte[] c = store.get(COMPLETION_CLOCK);
        long clock = Math.max(e.at(), c == null ? Long.MIN_VALUE : Long.parseLong(new String(c, StandardCharsets.US_ASCII)));
        long cutoff = clock - MARKER_LIFETIME.toMillis();
        batch.put(COMPLETION_CLOCK, Long.toString(clock).getBytes(StandardCharsets.US_ASCII));
        String[] mine = completion(store.get(COMPLETED_UPLOAD + e.uploadId())); // completed before (two instances)?
        boolean[] mineExpired = {false};
        store.scan(COMPLETED_AT, null, (k, v) -> {
            String rest = k.substring(COMPLETED_AT.length());
            long at = Long.parseUnsignedLong(rest.substring(0, 16), 16);
            if (at >= cutoff) return false;
            batch.delete(k);
            String id = rest.substring(17);
            String[] marker = id.equals(e.uploadId()) ? mine : completion(store.get(COMPLETED_UPLOAD + id));
            // a marker goes with the index entry of its latest completion
            if (marker != null && Long.parseLong(marker[1]) == at) {
                if (id.equals(e.uploadId())) mineExpired[0] = true;
                else batch.delete(COMPLETED_UPLOAD + id);
            }
            return true;
        });
        if (e.at() >= cutoff) {
            batch.put(COMPLETED_AT + String.format("%016x", e.at()) + "|" + e.uploadId(), new byte[0]);
            // completed twice: the marker is the latest completion's
            if (mine == null || Long.parseLong(mine[1]) <= e.at()) {
                batch.put(COMPLETED_UPLOAD + e.uploadId(), (e.digest() + "," + e.at()).getBytes(StandardCharsets.US_ASCII));
            }
        } else if (mineExpired[0]) {
            batch.delete(COMPLETED_UPLOAD + e.uploadId());
        }
    }

    /** A completion marker's {digest, completion time} (time 0 in markers of the previous version), or null. */
    private static String[] completion(byte[] marker) {
        if (marker == null) return null;
        String[] parts = new String(marker, StandardCharsets.US_ASCII).split(",");
        return parts.length == 2 ? parts : new String[] {parts[0], "0"};
    }

    private static <T> T read(KvStore store, String key, Class<T> c) {
        byte[] v = store.get(key);
        return v == null ? null : Json.read(v, c);
    }

    static boolean sameChunks(List<ChunkRef> a, List<ChunkRef> b) {
        return a.stream().map(ChunkRef::id).toList().equals(b.stream().map(ChunkRef::id).toList());
    }

    /** The size the blob was cut into: its largest chunk (null for an empty blob). */
    static Integer chunkSize(List<ChunkRef> cs) {
        long max = -1;
        for (ChunkRef c : cs) max = Math.max(max, c.length());
        return max < 0 ? null : (int) max;
    }

    static long total(List<ChunkRef> cs) {
        long n = 0;
        for (ChunkRef c : cs) n += c.length();
        return n;
    }

    private void appendAndAwait(Event e) {
        projection.appendAndAwait(log, e, timeout);
    }

    // ---- commands

    @Override
    public UploadSession start(String repository) {
        String id = UUID.randomUUID().toString();
        appendAndAwait(new UploadStarted(id, repository, clock.millis()));
        return session(id).orElseThrow(() -> OciError.UNAVAILABLE.exception("upload session not applied"));
    }

    @Override
    public Optional<UploadSession> session(String uploadId) {
        if (uploadId == null || uploadId.length() > 64) return Optional.empty();
        return Optional.ofNullable(read(store, SESSION + uploadId, UploadSession.class));
    }

    private UploadSession live(String uploadId) {
        return session(uploadId).orElseThrow(() -> OciError.BLOB_UPLOAD_UNKNOWN.exception("upload " + uploadId + " is not in progress"));
    }

    @Override
    public UploadSession append(String uploadId, long offset, List<ChunkRef> newChunks) {
        return locks.with(uploadId, () -> {
            UploadSession s = live(uploadId);
            if (holds(s, offset, newChunks)) return s; // a retry of an append that was applied
            if (s.size() != offset) throw rangeInvalid(s, offset);
            if (newChunks.isEmpty()) return s;
            appendAndAwait(new UploadChunksAppended(uploadId, offset, List.copyOf(newChunks), clock.millis()));
            // another instance may have appended at the same offset first: the projection applies the
            // first append for an offset and ignores later ones, so only the winner finds its chunks
            UploadSession after = live(uploadId);
            if (!holds(after, offset, newChunks)) throw rangeInvalid(after, offset);
            return after;
        });
    }

    @Override
    public void hold(String uploadId, List<String> chunkIds) {
        live(uploadId);
        appendAndAwait(new Event.UploadChunksHeld(uploadId, List.copyOf(chunkIds), clock.millis()));
    }

    /** Whether the session holds exactly {@code chunks} starting at byte {@code offset}. */
    static boolean holds(UploadSession s, long offset, List<ChunkRef> chunks) {
        if (chunks.isEmpty() || s.size() < offset + total(chunks)) return false;
        long at = 0;
        int i = 0;
        while (i < s.chunks().size() && at < offset) at += s.chunks().get(i++).length();
        if (at != offset || s.chunks().size() - i < chunks.size()) return false;
        for (ChunkRef c : chunks) {
            if (!s.chunks().get(i++).id().equals(c.id())) return false;
        }
        return true;
    }

    private static RuntimeException rangeInvalid(UploadSession s, long offset) {
        return OciError.BLOB_UPLOAD_RANGE_INVALID.exception("chunk starts at " + offset + " but the upload has " + s.size() + " bytes");
    }

    @Override
    public BlobRecord commit(String uploadId, long offset, List<ChunkRef> lastChunks, Digest digest) {
        return locks.with(uploadId, () -> {
            Optional<UploadSession> current = session(uploadId);
            if (current.isEmpty()) return committedBefore(uploadId, lastChunks, digest);
            UploadSession s = current.get();
            if (s.size() != offset) throw rangeInvalid(s, offset);
            List<ChunkRef> all = new ArrayList<>(s.chunks());
            all.addAll(lastChunks);
            Optional<BlobRecord> stored = blob(digest);
            // a dedup commits none of this upload's chunks: only a blob recorded from them needs them all
            if (stored.isEmpty()) {
                checkChunks(s, all);
                // a cancel on another instance meanwhile deletes the chunks (this instance's lock does
                // not hold it back): look again, with everything appended until now applied
                projection.awaitLogEnd(timeout);
                if (session(uploadId).isEmpty()) return committedBefore(uploadId, lastChunks, digest);
            }
            // absent, or deleted by GC meanwhile (it reads absent from the moment a deletion is
            // scheduled): commit this upload's own chunks, which brings the blob back
            for (int attempt = 0; stored.isEmpty() && attempt < 3; attempt++) {
                appendAndAwait(new BlobCommitted(digest.toString(), total(all), List.copyOf(all), uploadId, clock.millis(), chunkSize(all)));
                stored = blob(digest);
            }
            BlobRecord blob = stored.orElseThrow(() -> OciError.UNAVAILABLE.exception("blob commit not applied"));
            appendAndAwait(new UploadCompleted(uploadId, digest.toString(), clock.millis()));
            deleteUnowned(all, blob);
            return blob;
        });
    }

    /**
     * The answer to a commit of an upload that is no longer in progress: the blob, when the upload
     * completed with this digest (a retried commit, possibly applied by another instance), else
     * BLOB_UPLOAD_UNKNOWN (cancelled, never started, or the loser of two completing PUTs). The
     * call's last chunks that no blob holds are deleted now rather than left for orphan GC.
     */
    private BlobRecord committedBefore(String uploadId, List<ChunkRef> lastChunks, Digest digest) {
        String[] completed = completion(store.get(COMPLETED_UPLOAD + uploadId));
        String completedWith = completed == null ? null : completed[0];
        deleteUnrecorded(lastChunks, digest, completedWith);
        Optional<BlobRecord> done = digest.toString().equals(completedWith) ? blob(digest) : Optional.empty();
        return done.orElseThrow(() -> OciError.BLOB_UPLOAD_UNKNOWN.exception("upload " + uploadId + " is not in progress"));
    }

    /**
     * The second guard against acknowledging a blob with missing bytes (the first: GC never deletes
     * the chunks of a live upload): before the blob is recorded, every chunk of the upload must be in
     * the chunk store with its recorded length. One stat per chunk ({@link ChunkStore#size}, which no
     * backend answers by reading the chunk), {@link #CHECK_PARALLELISM} at a time, since through
     * storage nodes each is an HTTP round trip.
     *
     * <p>A chunk missing or of another length: the upload can never complete (its bytes are gone, and
     * appends only go past its end), so it is cancelled and its remaining chunks deleted, and the
     * client gets BLOB_UPLOAD_INVALID: a retried PUT then finds no session (BLOB_UPLOAD_UNKNOWN), and
     * clients start the blob's upload again, which is the only way back to a complete blob. Leaving
     * the session would only make each retry fail the same way until it expired. A store that cannot
     * answer is UNAVAILABLE and leaves the session as it is: the chunks may well be there.
     */
    private void checkChunks(UploadSession s, List<ChunkRef> all) {
        String lost = lostChunk(all);
        if (lost == null) return;
        LOG.error("upload {} in {} lost data before its commit: chunk {}; the upload is cancelled", s.uploadId(), s.repository(), lost);
        appendAndAwait(new UploadCancelled(s.uploadId(), UploadService.dataLostReason(lost), clock.millis()));
        for (ChunkRef c : all) deleteQuietly(c.id());
        throw UploadService.dataLost(lost);
    }

    /** Stats in flight per commit. */
    static final int CHECK_PARALLELISM = 8;

    /**
     * What is wrong with a chunk found missing or of another length (a loss wins over a store that
     * did not answer), or null when all are there; UNAVAILABLE when a stat failed and none was lost.
     */
    private String lostChunk(List<ChunkRef> all) {
        Semaphore slots = new Semaphore(CHECK_PARALLELISM);
        AtomicReference<String> lost = new AtomicReference<>();
        AtomicReference<RuntimeException> failed = new AtomicReference<>();
        for (ChunkRef c : all) {
            if (lost.get() != null || failed.get() != null) break; // the answer is known: check no further
            slots.acquireUninterruptibly();
            Runnable check = () -> {
                try {
                    long size = chunks.size(c.id());
                    if (size < 0) lost.compareAndSet(null, c.id() + " missing");
                    else if (size != c.length()) lost.compareAndSet(null, c.id() + " has " + size + " bytes, " + c.length() + " expected");
                } catch (RuntimeException e) {
                    failed.compareAndSet(null, e);
                } finally {
                    slots.release();
                }
            };
            try {
                checker.execute(check);
            } catch (RejectedExecutionException e) { // closing
                failed.compareAndSet(null, e);
                slots.release();
            }
        }
        slots.acquireUninterruptibly(CHECK_PARALLELISM); // every check has ended
        if (lost.get() != null) return lost.get();
        if (failed.get() != null) {
            throw OciError.UNAVAILABLE.exception("cannot check the upload's chunks in the chunk store: " + failed.get().getMessage());
        }
        return null;
    }

    /** Deletes the upload's chunks that the stored blob does not use (a dedup, or a lost race). */
    private void deleteUnowned(List<ChunkRef> uploadChunks, BlobRecord stored) {
        Set<String> owned = new HashSet<>();
        for (ChunkRef c : stored.chunks()) owned.add(c.id());
        for (ChunkRef c : uploadChunks) {
            if (!owned.contains(c.id())) deleteQuietly(c.id());
        }
    }

    /**
     * Deletes the last chunks of a commit whose session has ended, unless the blob index holds them at
     * {@code digest} or at the digest the upload completed with (then this is a retry of the commit
     * that recorded them; a blob being deleted counts too, its GC pass deletes them). Only a commit
     * of these very chunks, which names its digest, can have put them in a blob, so any other chunk is
     * held by nothing: the loser of two completing PUTs.
     */
    private void deleteUnrecorded(List<ChunkRef> lastChunks, Digest digest, String completedWith) {
        List<ChunkRef> owned = new ArrayList<>();
        for (String d : new String[] {digest.toString(), completedWith}) {
            BlobRecord b = d == null ? null : read(store, BLOB + d, BlobRecord.class);
            if (b != null) owned.addAll(b.chunks());
        }
        deleteUnowned(lastChunks, new BlobRecord(digest.toString(), 0, owned));
    }

    private void deleteQuietly(String chunkId) {
        try {
            chunks.delete(chunkId);
        } catch (RuntimeException e) {
            LOG.warn("could not delete chunk {} (left for GC): {}", chunkId, e.toString());
        }
    }

    @Override
    public void cancel(String uploadId, String reason) {
        locks.run(uploadId, () -> {
            UploadSession s = live(uploadId);
            appendAndAwait(new UploadCancelled(uploadId, reason, clock.millis()));
            // a commit on another instance may have recorded a blob from these chunks: its
            // BlobCommitted (blobs topic) is applied only once the whole log end is; the chunks
            // stay when a stored blob starts with them (its commit went through, the session's end did not)
            projection.awaitLogEnd(timeout);
            if (s.chunks().isEmpty() || store.get(BLOB_FIRST_CHUNK + s.chunks().get(0).id()) == null) {
                for (ChunkRef c : s.chunks()) deleteQuietly(c.id());
            }
        });
    }

    @Override
    public List<String> expireIdle(Duration idle) {
        long cutoff = clock.millis() - idle.toMillis();
        List<String> stale = new ArrayList<>();
        store.scan(SESSION, null, (k, v) -> {
            UploadSession s = Json.read(v, UploadSession.class);
            if (s.updatedAt() < cutoff) stale.add(s.uploadId());
            return stale.size() < 10_000;
        });
        List<String> expired = new ArrayList<>();
        for (String id : stale) {
            try {
                locks.run(id, () -> {
                    UploadSession s = session(id).orElse(null);
                    if (s == null || s.updatedAt() >= cutoff) return; // completed or resumed meanwhile
                    cancel(id, "expired after " + idle.toSeconds() + " s idle");
                    expired.add(id);
                });
            } catch (RuntimeException e) {
                LOG.warn("could not expire upload {}: {}", id, e.toString());
            }
        }
        if (!expired.isEmpty()) LOG.info("expired {} idle upload sessions", expired.size());
        return expired;
    }

    @Override
    public Optional<BlobRecord> blob(Digest digest) {
        if (store.get(DELETING + digest) != null) return Optional.empty();
        return Optional.ofNullable(read(store, BLOB + digest, BlobRecord.class));
    }

    /**
     * Visits every committed blob of an uploads projection's store (the live one, or one replayed
     * from the log) in digest order, skipping those whose deletion is scheduled; the visitor returns
     * false to stop.
     */
    public static void forEachBlob(KvStore store, java.util.function.Predicate<BlobRecord> visitor) {
        store.scan(BLOB, null, (k, v) -> {
            if (store.get(DELETING + k.substring(BLOB.length())) != null) return true;
            return visitor.test(Json.read(v, BlobRecord.class));
        });
    }

    /** {@link #forEachBlob(KvStore, java.util.function.Predicate)} over this service's projection. */
    public void forEachBlob(java.util.function.Predicate<BlobRecord> visitor) {
        forEachBlob(store, visitor);
    }

    @Override
    public void close() {
        checker.shutdownNow();
        projection.close();
    }
}
