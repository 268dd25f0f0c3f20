package dev.strata.manifest;

import dev.strata.core.events.Event;
import dev.strata.core.events.Event.BlobLinked;
import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.events.Event.BlobUnlinked;
import dev.strata.core.events.Event.ManifestDeleted;
import dev.strata.core.events.Event.ManifestPushed;
import dev.strata.core.events.Event.TagDeleted;
import dev.strata.core.events.Event.TagUpdated;
import dev.strata.core.log.EventLog;
import dev.strata.core.log.Projection;
import dev.strata.core.oci.Descriptor;
import dev.strata.core.oci.Digest;
import dev.strata.core.oci.Manifest;
import dev.strata.core.oci.ManifestParser;
import dev.strata.core.oci.Names;
import dev.strata.core.oci.OciError;
import dev.strata.core.oci.Reference;
import dev.strata.core.spi.BlobRecord;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.KvStore;
import dev.strata.core.spi.ManifestRecord;
import dev.strata.core.spi.ManifestService;
import dev.strata.core.spi.ManifestService.TagChange;
import dev.strata.core.spi.Page;
import dev.strata.core.spi.Quotas;
import dev.strata.core.spi.UploadService;
import dev.strata.core.util.Json;
import dev.strata.core.util.KeyedLocks;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The manifest-service: blob links, manifests, tags, referrers and the catalog, as a projection of
 * the repositories topic. Manifest bytes are stored as a chunk named by their digest. Commands for
 * one repository are serialised, validated against the caught-up projection, appended, and
 * answered once applied.
 */
public final class ManifestServiceImpl implements ManifestService, AutoCloseable {
    /** The topics this projection consumes. */
    public static final List<Event.Topic> TOPICS = List.of(Event.Topic.REPOSITORIES);
    static final String REPO = "r/";
    static final String LINK = "l/";
    static final String MANIFEST = "m/";
    static final String TAG = "t/";
    static final String REFERRER = "f/";
    /** Tag history: "h/repo|tag|seq" (seq zero-padded) holds one {@link TagChange}; "hn/repo|tag" the next seq. */
    static final String HISTORY = "h/";
    static final String HISTORY_NEXT = "hn/";
    /** Separates the repository from the rest of a key; sorts outside every name, tag and digest. */
    static final String SEP = "|";

    private final EventLog log;
    private final KvStore store;
    private final ChunkStore chunks;
    private final UploadService uploads;
    private final Clock clock;
    private final Duration timeout;
    private final int maxManifestBytes;
    private final Duration validationWindow;
    /** Held (shared) by {@link #fenced} work from its check until its events are applied; see {@link #exclusively}. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock validations = new java.util.concurrent.locks.ReentrantReadWriteLock();
    private final Projection projection;
    private final KeyedLocks locks = new KeyedLocks(256);
    private final ManifestCache cache;
    private volatile Quotas quotas;
    private volatile boolean deleteReferrers = true;
    /** Bound on the manifests one delete takes with it (referrers of referrers...). */
    static final int MAX_CASCADE = 10_000;

    public ManifestServiceImpl(EventLog log, KvStore store, ChunkStore chunks, UploadService uploads, Clock clock,
                               Duration timeout, int maxManifestBytes, long cacheBytes, Duration validationWindow) {
        this.validationWindow = validationWindow;
        this.log = log;
        this.store = store;
        this.chunks = chunks;
        this.uploads = uploads;
        this.clock = clock;
        this.timeout = timeout;
        this.maxManifestBytes = maxManifestBytes;
        this.cache = new ManifestCache(cacheBytes);
        this.projection = new Projection("repositories", log.config(), TOPICS, store,
                ManifestServiceImpl::apply, e -> cache.changed(e.key()));
    }

    /**
     * Whether deleting a manifest also deletes its referrers (the manifests whose subject it is),
     * recursively, within the same repository (default true).
     */
    public void deleteReferrers(boolean on) {
        this.deleteReferrers = on;
    }

    /** Enforces storage quotas on manifest PUTs from now on. */
    public void quotas(Quotas quotas) {
        this.quotas = quotas;
    }

    public ManifestServiceImpl start() {
        projection.start(timeout).awaitCaughtUp(timeout.multipliedBy(10));
        return this;
    }

    public Projection projection() { return projection; }

    // ---- projection

    /** The projection's apply function: also used by replay. */
    public static void apply(Event event, KvStore store, KvStore.Batch batch) {
        if (event instanceof BlobLinked e) {
            batch.put(REPO + e.repository(), new byte[0]);
            batch.put(LINK + e.repository() + SEP + e.digest(), new byte[0]);
        } else if (event instanceof BlobUnlinked e) {
            batch.delete(LINK + e.repository() + SEP + e.digest());
        } else if (event instanceof ManifestPushed e) {
            batch.put(REPO + e.repository(), new byte[0]);
            batch.put(MANIFEST + e.repository() + SEP + e.digest(), Json.write(new ManifestRecord(e.digest(), e.mediaType(),
                    e.size(), e.chunkId(), e.blobs(), e.manifests(), e.subject(), e.artifactType(), e.annotations(), e.at(),
                    e.chunkPlacement())));
            if (e.subject() != null) {
                batch.put(referrerKey(e.repository(), e.subject().digest(), e.digest()), Json.write(new Descriptor(e.mediaType(),
                        e.digest(), e.size(), e.artifactType(), e.annotations() == null || e.annotations().isEmpty() ? null : e.annotations())));
            }
        } else if (event instanceof TagUpdated e) {
            batch.put(TAG + e.repository() + SEP + e.tag(), e.digest().getBytes(StandardCharsets.US_ASCII));
            history(store, batch, e.repository(), e.tag(), new TagChange(e.digest(), e.at(), e.actor()));
        } else if (event instanceof TagDeleted e) {
            if (store.get(TAG + e.repository() + SEP + e.tag()) == null) return;
            batch.delete(TAG + e.repository() + SEP + e.tag());
            history(store, batch, e.repository(), e.tag(), new TagChange(null, e.at(), e.actor()));
        } else if (event instanceof ManifestDeleted e) {
            String key = MANIFEST + e.repository() + SEP + e.digest();
            byte[] v = store.get(key);
            if (v == null) return;
            ManifestRecord m = Json.read(v, ManifestRecord.class);
            batch.delete(key);
            if (m.subject() != null) batch.delete(referrerKey(e.repository(), m.subject().digest(), e.digest()));
            String tagPrefix = TAG + e.repository() + SEP;
            store.scan(tagPrefix, null, (k, d) -> {
                if (e.digest().equals(new String(d, StandardCharsets.US_ASCII))) {
                    batch.delete(k);
                    history(store, batch, e.repository(), k.substring(tagPrefix.length()), new TagChange(null, e.at(), e.actor()));
                }
                return true;
            });
        } else if (event instanceof Event.QuotaSet) {
            return; // quotas are the gc-service's
        } else {
            throw new IllegalArgumentException("repositories projection cannot apply " + event.getClass().getSimpleName());
        }
    }

    /** Appends a change to the tag's history (reads and bumps its sequence number). */
    private static void history(KvStore store, KvStore.Batch batch, String repo, String tag, TagChange change) {
        String nextKey = HISTORY_NEXT + repo + SEP + tag;
        byte[] n = store.get(nextKey);
        long seq = n == null ? 0 : Long.parseLong(new String(n, StandardCharsets.US_ASCII));
        batch.put(HISTORY + repo + SEP + tag + SEP + String.format("%019d", seq), Json.write(change));
        batch.put(nextKey, Long.toString(seq + 1).getBytes(StandardCharsets.US_ASCII));
    }

    private static String referrerKey(String repo, String subject, String digest) {
        return REFERRER + repo + SEP + subject + SEP + digest;
    }

    private void appendAndAwait(Event e) {
        projection.appendAndAwait(log, e, timeout);
    }

    // ---- blob links

    @Override
    public boolean mountBlob(String repository, String from, Digest digest) {
        Names.repository(repository);
        return checkedAndLinked(() -> {
            long checkedAt = clock.millis();
            if (!isBlobLinked(from, digest) || uploads.blob(digest).isEmpty()) return false;
            link(repository, digest, checkedAt);
            return true;
        });
    }

    @Override
    public BlobRecord completeUpload(String repository, String uploadId, long offset, List<ChunkRef> lastChunks, Digest digest) {
        Names.repository(repository);
        return checkedAndLinked(() -> {
            long checkedAt = clock.millis(); // the commit finds the blob stored, or stores it, after this
            BlobRecord blob = uploads.commit(uploadId, offset, lastChunks, digest);
            link(repository, digest, checkedAt);
            return blob;
        });
    }

    /**
     * Runs a check-then-link {@code step} inside the fence; when its link came too late for the
     * fence ({@link LateForFence}), runs it once more, so the blob is checked again: a mount of a
     * blob collected meanwhile then mounts nothing, and a completion whose blob was collected
     * answers as its upload-service does (BLOB_UPLOAD_UNKNOWN). A second late link is UNAVAILABLE.
     */
    private <T> T checkedAndLinked(java.util.function.Supplier<T> step) {
        try {
            return fenced(step);
        } catch (LateForFence late) {
            try {
                return fenced(step);
            } catch (LateForFence again) {
                throw OciError.UNAVAILABLE.exception(again.getMessage());
            }
        }
    }

    /** A link or reference that would be appended later than the validation window after its check. */
    private static final class LateForFence extends RuntimeException {
        LateForFence(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Appends the link of a blob that a check begun at {@code checkedAt} found stored. Across
     * processes this is the GC fence (the caller holds the in-process one): the link must be in the
     * log within the validation window of the check, which GC waits out after scheduling a deletion
     * before it looks again; later, {@link LateForFence}. Appended even when linked already: a link
     * is also a use (it restarts GC's grace period, and after a collection it counts the blob for the
     * namespace's quota again).
     */
    private void link(String repository, Digest digest, long checkedAt) {
        if (late(checkedAt)) throw new LateForFence(lateMessage("blob link"));
        appendAndAwait(new BlobLinked(repository, digest.toString(), clock.millis()));
    }

    private boolean late(long checkedAt) {
        return clock.millis() - checkedAt > validationWindow.toMillis();
    }

    private String lateMessage(String what) {
        return what + " came later than " + validationWindow.toMillis() + " ms after its check of the blobs (the garbage-collection fence); retry";
    }

    /** UNAVAILABLE once the validation window has passed since {@code checkedAt}: a retry validates again. */
    private void checkWindow(long checkedAt, String what) {
        if (late(checkedAt)) throw OciError.UNAVAILABLE.exception(lateMessage(what));
    }

    @Override
    public void unlinkBlob(String repository, Digest digest) {
        locks.run(repository, () -> {
            if (!isBlobLinked(repository, digest)) throw OciError.BLOB_UNKNOWN.exception("blob " + digest + " is not in repository " + repository);
            appendAndAwait(new BlobUnlinked(repository, digest.toString(), clock.millis()));
        });
    }

    @Override
    public boolean isBlobLinked(String repository, Digest digest) {
        return store.get(LINK + repository + SEP + digest) != null;
    }

    // ---- manifests

    @Override
    public PutResult putManifest(String repository, Reference reference, String contentType, byte[] body, String actor) {
        Names.repository(repository);
        if (body.length > maxManifestBytes) {
            throw OciError.MANIFEST_TOO_LARGE.exception("manifest of " + body.length + " bytes exceeds the limit of " + maxManifestBytes);
        }
        Digest digest = digestOf(reference, body);
        Manifest m = ManifestParser.parse(contentType, body);
        fenced(() -> {
            Quotas q = quotas;
            if (q != null) q.check(repository, java.util.Map.of(digest, (long) body.length));
            // GC fences on this: a manifest validated before a blob's deletion was scheduled must be
            // appended within the window, or not at all (see GcService)
            long validatedAt = clock.millis();
            for (Digest b : m.blobs()) {
                if (!isBlobLinked(repository, b) || uploads.blob(b).isEmpty()) {
                    throw OciError.MANIFEST_BLOB_UNKNOWN.exception("blob " + b + " is not in repository " + repository);
                }
            }
            for (Digest c : m.manifests()) {
                if (record(repository, c) == null) {
                    throw OciError.MANIFEST_BLOB_UNKNOWN.exception("manifest " + c + " is not in repository " + repository);
                }
            }
            String chunkId = "m-" + digest.algorithm() + "-" + digest.encoded();
            // always put (a no-op where a node has it): the copies are then where today's placement
            // says, and that placement is recorded with the manifest
            Event.Placement placement = chunks.placement();
            chunks.put(chunkId, ByteBuffer.wrap(body));
            locks.run(repository, () -> {
                // children again, under the lock that retention's deletes take too
                for (Digest c : m.manifests()) {
                    if (record(repository, c) == null) {
                        throw OciError.MANIFEST_BLOB_UNKNOWN.exception("manifest " + c + " is not in repository " + repository);
                    }
                }
                checkWindow(validatedAt, "manifest " + digest);
                appendAndAwait(new ManifestPushed(repository, digest.toString(), m.mediaType(), body.length, chunkId,
                        m.blobs().stream().map(Digest::toString).toList(), m.manifests().stream().map(Digest::toString).toList(),
                        m.subject(), m.artifactType(), m.annotations().isEmpty() ? null : m.annotations(), clock.millis(), placement));
                if (!reference.isDigest()) {
                    appendAndAwait(new TagUpdated(repository, reference.tag(), digest.toString(), clock.millis(), actor));
                }
            });
            return null;
        });
        return new PutResult(digest, m.subject());
    }

    /**
     * Runs {@code work} inside the GC fence, shared with other such work: {@link #exclusively} waits
     * until none is in flight. Everything that checks that blobs are stored and then references or
     * links them runs in here, from the check until its events are applied: manifest PUTs,
     * {@link #mountBlob} and {@link #completeUpload}.
     */
    public <T> T fenced(java.util.function.Supplier<T> work) {
        validations.readLock().lock();
        try {
            return work.get();
        } finally {
            validations.readLock().unlock();
        }
    }

    /**
     * Runs {@code work} while no {@link #fenced} work is in flight: it waits for those in flight to
     * finish, and holds new ones back until it is done. GC schedules a deletion this way (under
     * {@code serve}), so every check of the blob happens either before (and its reference or link
     * is in the log) or after (and sees the blob absent).
     */
    public void exclusively(Runnable work) {
        validations.writeLock().lock();
        try {
            work.run();
        } finally {
            validations.writeLock().unlock();
        }
    }

    private static Digest digestOf(Reference reference, byte[] body) {
        if (reference.isDigest()) {
            MessageDigest md = reference.digest().newMessageDigest();
            md.update(body);
            if (!reference.digest().matches(md)) {
                throw OciError.DIGEST_INVALID.exception("manifest body does not match digest " + reference.digest());
            }
            return reference.digest();
        }
        return Digest.sha256(body);
    }

    private ManifestRecord record(String repository, Digest digest) {
        byte[] v = store.get(MANIFEST + repository + SEP + digest);
        return v == null ? null : Json.read(v, ManifestRecord.class);
    }

    @Override
    public Optional<ManifestRecord> statManifest(String repository, Reference reference) {
        Digest d = reference.digest();
        if (d == null) {
            byte[] t = store.get(TAG + repository + SEP + reference.tag());
            if (t == null) return Optional.empty();
            d = Digest.parse(new String(t, StandardCharsets.US_ASCII));
        }
        return Optional.ofNullable(record(repository, d));
    }

    @Override
    public Stored getManifest(String repository, Reference reference) {
        long generation = cache.generation(repository);
        ManifestRecord r = statManifest(repository, reference)
                .orElseThrow(() -> OciError.MANIFEST_UNKNOWN.exception("manifest " + reference + " not found in " + repository));
        byte[] bytes = cache.bytes(r.digest());
        if (bytes == null) {
            bytes = chunks.read(r.chunk(), 0, (int) r.size());
            cache.putBytes(r.digest(), bytes);
        }
        Stored stored = new Stored(r, bytes);
        cache.putResolved(repository, reference.toString(), generation, stored);
        return stored;
    }

    @Override
    public Optional<Stored> cachedManifest(String repository, Reference reference) {
        return Optional.ofNullable(cache.resolved(repository, reference.toString()));
    }

    @Override
    public void delete(String repository, Reference reference, String actor) {
        locks.run(repository, () -> {
            if (reference.isDigest()) {
                if (record(repository, reference.digest()) == null) {
                    throw OciError.MANIFEST_UNKNOWN.exception("manifest " + reference + " not found in " + repository);
                }
                deleteWithReferrers(repository, reference.digest().toString(), actor);
            } else {
                if (store.get(TAG + repository + SEP + reference.tag()) == null) {
                    throw OciError.MANIFEST_UNKNOWN.exception("tag " + reference + " not found in " + repository);
                }
                appendAndAwait(new TagDeleted(repository, reference.tag(), clock.millis(), actor));
            }
        });
    }

    /** Deletes the manifest and, when configured, its referrers, recursively (caller holds the repository's lock). */
    private List<String> deleteWithReferrers(String repository, String digest, String actor) {
        List<String> deleted = new ArrayList<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(digest));
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (!todo.isEmpty() && deleted.size() < MAX_CASCADE) {
            String d = todo.poll();
            if (!seen.add(d) || store.get(MANIFEST + repository + SEP + d) == null) continue;
            if (deleteReferrers) {
                store.scan(REFERRER + repository + SEP + d + SEP, null, (k, v) -> {
                    todo.add(k.substring(k.lastIndexOf(SEP) + 1));
                    return todo.size() < MAX_CASCADE;
                });
            }
            appendAndAwait(new ManifestDeleted(repository, d, clock.millis(), actor));
            deleted.add(d);
        }
        return deleted;
    }

    /**
     * Retention: under the repository's lock (so no tag, index or PUT of the manifest races it),
     * deletes the manifest, and its referrers when configured, if {@code stillDue} holds.
     *
     * @return the digests deleted, the manifest's first; empty when it was kept
     */
    public List<String> removeIf(String repository, String digest, java.util.function.BooleanSupplier stillDue) {
        return locks.with(repository, () -> {
            if (record(repository, Digest.parse(digest)) == null || !stillDue.getAsBoolean()) return List.<String>of();
            return deleteWithReferrers(repository, digest, "gc");
        });
    }

    // ---- tag history

    @Override
    public List<TagChange> tagHistory(String repository, String tag, int limit) {
        List<TagChange> out = new ArrayList<>();
        store.scan(HISTORY + repository + SEP + tag + SEP, null, (k, v) -> {
            out.add(Json.read(v, TagChange.class));
            return out.size() < limit;
        });
        return out;
    }

    @Override
    public Digest restoreTag(String repository, String tag, Digest digest, Long at, String actor) {
        Names.repository(repository);
        Names.tag(tag);
        return locks.with(repository, () -> {
            Digest target = digest;
            if (target == null) {
                if (at == null) throw OciError.MANIFEST_INVALID.exception("restore needs a digest or a time");
                TagChange then = null;
                for (TagChange c : tagHistory(repository, tag, Integer.MAX_VALUE)) {
                    if (c.at() <= at) then = c;
                    else break;
                }
                if (then == null || then.digest() == null) {
                    throw OciError.MANIFEST_UNKNOWN.exception("tag " + tag + " pointed at no manifest at " + java.time.Instant.ofEpochMilli(at));
                }
                target = Digest.parse(then.digest());
            }
            if (record(repository, target) == null) {
                throw OciError.MANIFEST_UNKNOWN.exception("manifest " + target + " is no longer in " + repository
                        + (at == null ? "" : " (the tag pointed at it at " + java.time.Instant.ofEpochMilli(at)
                        + "; it was deleted, or collected after the time-machine window)"));
            }
            appendAndAwait(new TagUpdated(repository, tag, target.toString(), clock.millis(), actor));
            return target;
        });
    }

    // ---- listings

    @Override
    public Page tags(String repository, String last, int n) {
        if (store.get(REPO + repository) == null) throw OciError.NAME_UNKNOWN.exception("repository " + repository + " not known");
        String prefix = TAG + repository + SEP;
        return page(prefix, last == null ? null : prefix + last, n);
    }

    @Override
    public Page catalog(String last, int n) {
        return page(REPO, last == null ? null : REPO + last, n);
    }

    private Page page(String prefix, String startAfter, int n) {
        List<String> out = new ArrayList<>(Math.min(n, 1024));
        boolean[] more = {false};
        store.scan(prefix, startAfter, (k, v) -> {
            if (out.size() == n) {
                more[0] = true;
                return false;
            }
            out.add(k.substring(prefix.length()));
            return true;
        });
        return new Page(out, more[0]);
    }

    @Override
    public List<Descriptor> referrers(String repository, Digest subject, String artifactType) {
        List<Descriptor> out = new ArrayList<>();
        store.scan(REFERRER + repository + SEP + subject + SEP, null, (k, v) -> {
            Descriptor d = Json.read(v, Descriptor.class);
            if (artifactType == null || artifactType.equals(d.artifactType())) out.add(d);
            return out.size() < ManifestParser.MAX_DESCRIPTORS;
        });
        return out;
    }

    /**
     * Visits the chunk of every stored manifest once (a manifest in several repositories is one
     * chunk), as a one-chunk {@link dev.strata.core.spi.BlobRecord} named by the manifest's digest,
     * for scrub and fsck, with the placement it was written under. No CRC32C is recorded for
     * manifest chunks (their digest covers them end to end), so a check compares sizes. The visitor
     * returns false to stop.
     */
    public static void forEachManifestChunk(KvStore store, java.util.function.Predicate<dev.strata.core.spi.BlobRecord> visitor) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        store.scan(MANIFEST, null, (k, v) -> {
            ManifestRecord m = Json.read(v, ManifestRecord.class);
            if (!seen.add(m.chunkId())) return true;
            return visitor.test(new dev.strata.core.spi.BlobRecord(m.digest(), m.size(),
                    List.of(m.chunk())));
        });
    }

    /** {@link #forEachManifestChunk(KvStore, java.util.function.Predicate)} over this service's projection. */
    public void forEachManifestChunk(java.util.function.Predicate<dev.strata.core.spi.BlobRecord> visitor) {
        forEachManifestChunk(store, visitor);
    }

    @Override
    public void close() {
        projection.close();
    }
}
