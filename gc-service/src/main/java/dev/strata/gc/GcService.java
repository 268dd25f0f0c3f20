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
import dev.strata.core.metrics.Metrics;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.GarbageCollector;
import dev.strata.core.spi.Quotas;
import dev.strata.core.spi.KvStore;
import dev.strata.core.spi.Namespaces;
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
 *   <li>inside the fence (no manifest PUT, upload completion or mount is checking blobs), catch up,
 *       check again that the blob is unused, and append {@code BlobDeletionScheduled}; once the
 *       blob index has applied it, HEAD, mount and manifest validation see the blob as absent;</li>
 *   <li>catch this projection up with the log;</li>
 *   <li>re-check: still unreferenced and not linked again → delete the chunks, append
 *       {@code BlobDeleted}; otherwise append {@code BlobDeletionCancelled}.</li>
 * </ol>
 * So no accepted manifest ever points to a deleted blob, and a push that races a deletion either
 * restores the blob (a new commit) or gets MANIFEST_BLOB_UNKNOWN and pushes the blob again.
 *
 * <p>A pass also runs {@link Retention} (untagged manifests) and {@link OrphanChunks} (upload chunks
 * nothing holds, judged by the projection's own {@link LiveUploads}).
 */
public final class GcService implements GarbageCollector, Quotas, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GcService.class);
    /** The topics this projection consumes. */
    public static final List<Event.Topic> TOPICS = List.of(Event.Topic.BLOBS, Event.Topic.REPOSITORIES, Event.Topic.UPLOADS);
    static final String BLOBS = "usage/blobs";
    static final String BYTES = "usage/bytes";
    /** "b/digest" → {@link Blob}: every stored blob (blobs topic). */
    static final String BLOB = "b/";
    /** "d/digest": a deletion is scheduled (blobs topic). */
    static final String DELETING = "d/";
    /** "del/digest" → epoch millis of its last deletion (blobs topic). */
    static final String DELETED_AT = "del/";
    /** "rc/digest" → number of (repository, manifest) pairs that reference the blob. */
    static final String REFS = "rc/";
    /** "c/digest": stored and referenced by no manifest — a GC candidate (derived, kept in step). */
    static final String CANDIDATE = "c/";
    /** "use/digest" → epoch millis of the latest link (push or mount) of the blob anywhere. */
    static final String USED_AT = "use/";
    /** "free/digest" → epoch millis of the latest manifest deletion that dropped a reference to it. */
    static final String FREED_AT = "free/";
    /** "m/repo|digest" → the blobs a manifest in a repository references. */
    static final String MANIFEST = "m/";
    /** "h/namespace|digest" → {@link Holding}: how the namespace holds the digest, and what it counts. */
    static final String HOLD = "h/";
    /** "hn/digest|namespace": reverse index of holdings, to recount when the blob comes or goes. */
    static final String HELD_IN = "hn/";
    /** "u/namespace" → bytes the namespace holds; "q/namespace" → its quota in bytes. */
    static final String USAGE = "u/";
    static final String QUOTA = "q/";
    /** "mt/repo|tag" → the digest the tag points at (repositories topic). */
    static final String TAG = "mt/";
    /** "ms/repo|digest" → {@link Held}: what keeps a present manifest from retention. */
    static final String HELD = "ms/";
    /** "mp/repo|digest" → number of manifests (indexes) in the repository that list it as a child. */
    static final String PARENTS = "mp/";
    /** "um/repo|digest": a present manifest with no tag (derived, kept in step) — a retention candidate. */
    static final String UNTAGGED = "um/";
    /** "mg/repo|digest" → epoch millis of the manifest's latest deletion (a referrer's retention starts there). */
    static final String MANIFEST_GONE = "mg/";
    /** "mh/digest" → number of repositories that have the manifest (its bytes chunk is shared). */
    static final String MANIFEST_HOLDERS = "mh/";
    /** "mc/digest" → {@link ManifestBytes}: the chunk holding a manifest's bytes (repositories topic). */
    static final String MANIFEST_BYTES = "mc/";
    /** "mx/digest" → epoch millis since which no repository has the manifest (repositories topic). */
    static final String MANIFEST_UNHELD = "mx/";
    /** "mxd/digest" → the latest {@code unheldSince} whose bytes GC deleted (blobs topic). */
    static final String MANIFEST_BYTES_DELETED = "mxd/";
    /** The namespace prefixes this projection was built with (see {@link #start}). */
    static final String NAMESPACES = "~config/namespaces";
    /** The layout of this projection's state; a store built with another one is rebuilt at start. */
    static final String SCHEMA = "~config/schema";
    static final String SCHEMA_VERSION = "3"; // 3: the live upload sessions ({@link LiveUploads})

    /**
     * A present manifest as retention sees it: the tags pointing at it, since when it has had none
     * (its push, or the loss of its last tag), whether any tag ever pointed at it (then the time
     * machine keeps it), its subject and its children.
     */
    record Held(int tags, long untaggedSince, boolean wasTagged, String subject, List<String> children) {}

    /** Where a manifest's bytes are. */
    record ManifestBytes(String chunkId, long size) {}

    /**
     * A namespace's holding of one digest: the repositories that link it as a blob (with the time
     * of their latest link), how many manifests with that digest it has, and the bytes it counts
     * now. A link older than the blob's last deletion is stale and counts nothing.
     */
    record Holding(java.util.Map<String, Long> links, long manifests, long manifestSize, long counted) {}

    /** Totals over every stored blob. */
    public record Usage(long blobs, long bytes) {}

    /** A stored blob as the GC sees it. */
    record Blob(long size, List<ChunkRef> chunks, long committedAt) {}


    private final EventLog log;
    private final KvStore store;
    private final ChunkStore chunks;
    private final Clock clock;
    private final GcConfig config;
    private final Duration timeout;
    private final Consumer<Runnable> exclusively;
    private final Consumer<Position> awaitBlobIndex;
    private final Duration fenceWait;
    private final java.util.function.Function<Duration, List<String>> expireUploads;
    private final Projection projection;
    private final Retention retention;
    private final OrphanChunks orphanChunks;
    private final Object passLock = new Object();
    private Thread online;
    private volatile boolean running = true;
    private volatile Metrics.Counter passes;
    private volatile Metrics.Counter collectedBlobs;
    private volatile Metrics.Counter collectedBytes;
    private volatile long lastPassMillis;

    /**
     * Registers the GC and storage metrics: {@code strata_gc_passes_total{outcome}},
     * {@code strata_gc_collected_blobs_total}, {@code strata_gc_collected_bytes_total},
     * {@code strata_gc_last_pass_timestamp_seconds}, and the storage usage the projection holds,
     * {@code strata_storage_blobs} and {@code strata_storage_bytes}.
     */
    public GcService monitoring(Metrics metrics) {
        passes = metrics.counter("strata_gc_passes_total", "Garbage-collection passes (online and on demand), by outcome: ok, failed, dry_run",
                "outcome");
        collectedBlobs = metrics.counter("strata_gc_collected_blobs_total", "Blobs deleted by garbage collection");
        collectedBytes = metrics.counter("strata_gc_collected_bytes_total", "Bytes of blobs deleted by garbage collection");
        metrics.gauge("strata_gc_last_pass_timestamp_seconds", "When the last garbage-collection pass finished (Unix time; 0: none yet)",
                () -> lastPassMillis / 1000.0);
        metrics.gauge("strata_storage_blobs", "Blobs stored (every repository; a blob shared by repositories counts once)",
                () -> usage().blobs());
        metrics.gauge("strata_storage_bytes", "Bytes of blobs stored (every repository; a blob shared by repositories counts once)",
                () -> usage().bytes());
        return this;
    }

    /**
     * @param exclusively     runs a task while no manifest PUT, upload completion or mount is checking
     *                        blobs (the fence; manifest-service)
     * @param awaitBlobIndex  returns once the blob index (upload-service) has applied a position
     *                        (across processes, where every read of the blob index awaits the log
     *                        end, nothing)
     * @param fenceWait       how long after its last schedule of a deletion a pass waits before it
     *                        looks again: zero where {@code exclusively} is a shared lock; across
     *                        processes, where it is not, the manifest-service's validation window
     *                        plus the longest an append may take to reach the log, so that every
     *                        link or reference checked before the schedule is in the log by then
     * @param expireUploads   cancels upload sessions idle for the given time (upload-service)
     */
    public GcService(EventLog log, KvStore store, ChunkStore chunks, Clock clock, GcConfig config, Duration timeout,
                     Consumer<Runnable> exclusively, Consumer<Position> awaitBlobIndex, Duration fenceWait,
                     java.util.function.Function<Duration, List<String>> expireUploads) {
        this.fenceWait = fenceWait;
        this.expireUploads = expireUploads;
        this.log = log;
        this.store = store;
        this.chunks = chunks;
        this.clock = clock;
        this.config = config;
        this.timeout = timeout;
        this.exclusively = exclusively;
        this.awaitBlobIndex = awaitBlobIndex;
        this.projection = new Projection("gc", log.config(), TOPICS, store, handler(config.namespaces()));
        this.retention = new Retention(store, config, clock, () -> projection.awaitLogEnd(timeout));
        this.orphanChunks = new OrphanChunks(store, chunks, config, projection, timeout);
        monitoring(new Metrics()); // a registry of its own until the process shares one
    }

    /**
     * Deletes manifests for retention: under the repository's command lock, if {@code stillDue}
     * (checked under that lock) holds, deletes the manifest (and, when configured, its referrers)
     * as events, and returns the digests deleted; else returns an empty list. manifest-service.
     */
    @FunctionalInterface
    public interface ManifestRemover {
        List<String> removeIf(String repository, String digest, java.util.function.BooleanSupplier stillDue);
    }

    /** Enables retention of untagged manifests (with {@link GcConfig#untaggedRetention()} set). */
    public void manifests(ManifestRemover remover) {
        retention.remover(remover);
    }

    public GcService start() {
        byte[] built = store.get(NAMESPACES);
        byte[] schema = store.get(SCHEMA);
        String wanted = config.namespaces().canonical();
        boolean sameSchema = schema != null && new String(schema, StandardCharsets.UTF_8).equals(SCHEMA_VERSION);
        if (built == null || !sameSchema || !new String(built, StandardCharsets.UTF_8).equals(wanted)) {
            if (!Projection.storedOffsets(store).isEmpty()) {
                // usage per namespace depends on the prefixes, and the state on the schema: rebuild from the log
                if (!sameSchema) LOG.warn("gc: the gc projection was built by an older version: rebuilding it from offset 0");
                else LOG.warn("gc: namespace prefixes changed from [{}] to [{}]: rebuilding the gc projection from offset 0",
                        new String(built, StandardCharsets.UTF_8), wanted);
                store.deleteAll("");
            }
            store.write(new KvStore.Batch().put(NAMESPACES, wanted.getBytes(StandardCharsets.UTF_8))
                    .put(SCHEMA, SCHEMA_VERSION.getBytes(StandardCharsets.UTF_8)));
        }
        projection.start(timeout).awaitCaughtUp(timeout.multipliedBy(10));
        if (!config.interval().isZero()) {
            online = new Thread(this::onlineLoop, "gc-online");
            online.setDaemon(true);
            online.start();
        }
        return this;
    }

    public Projection projection() { return projection; }


    /** The namespace prefixes a gc store was built with: replay builds with the same. */
    public static Namespaces namespacesOf(KvStore store) {
        byte[] v = store.get(NAMESPACES);
        if (v == null || v.length == 0) return Namespaces.firstComponent();
        return new Namespaces(List.of(new String(v, StandardCharsets.UTF_8).split(",")));
    }

    /** Replay's starting point: an empty store that records the same namespace prefixes as {@code live}. */
    public static void prepareReplay(KvStore live, KvStore fresh) {
        KvStore.Batch b = new KvStore.Batch();
        for (String k : List.of(NAMESPACES, SCHEMA)) {
            byte[] v = live.get(k);
            if (v != null) b.put(k, v);
        }
        if (!b.isEmpty()) fresh.write(b);
    }

    // ---- projection

    /** The projection's apply function with the given namespaces: also used by replay. */
    public static Projection.Handler handler(Namespaces namespaces) {
        return (event, store, batch) -> apply(event, store, batch, namespaces);
    }

    /**
     * The projection's apply function. It consumes two topics whose relative order is not fixed (a
     * replay may interleave them differently from the live run), so every derived value is a
     * function of per-key state — counts, maxima, sets — never of the order in which the two
     * topics' events arrive. (Manifest retention state comes from the repositories topic alone,
     * whose per-partition order replay keeps.)
     */
    static void apply(Event event, KvStore store, KvStore.Batch batch, Namespaces namespaces) {
        if (event instanceof BlobCommitted e) {
            byte[] old = read(store, batch, BLOB + e.digest());
            boolean deleting = read(store, batch, DELETING + e.digest()) != null;
            if (old != null && !deleting) return; // a lost race: the first commit counts
            batch.put(BLOB + e.digest(), Json.write(new Blob(e.size(), e.chunks(), e.at())));
            batch.delete(DELETING + e.digest());
            if (old == null) {
                add(store, batch, BLOBS, 1);
                add(store, batch, BYTES, e.size());
            }
            candidate(store, batch, e.digest());
            recountEverywhere(store, batch, e.digest());
        } else if (event instanceof BlobDeletionScheduled e) {
            if (read(store, batch, BLOB + e.digest()) != null) batch.put(DELETING + e.digest(), new byte[0]);
        } else if (event instanceof BlobDeletionCancelled e) {
            batch.delete(DELETING + e.digest());
        } else if (event instanceof BlobDeleted e) {
            byte[] v = read(store, batch, BLOB + e.digest());
            if (v == null) return;
            Blob b = Json.read(v, Blob.class);
            if (!ids(b.chunks()).equals(ids(e.chunks()))) return; // committed again meanwhile: it stays
            batch.delete(BLOB + e.digest());
            batch.delete(DELETING + e.digest());
            max(store, batch, DELETED_AT + e.digest(), e.at());
            add(store, batch, BLOBS, -1);
            add(store, batch, BYTES, -b.size());
            candidate(store, batch, e.digest());
            recountEverywhere(store, batch, e.digest());
        } else if (event instanceof BlobLinked e) {
            max(store, batch, USED_AT + e.digest(), e.at());
            String ns = namespaces.of(e.repository());
            Holding h = holding(store, batch, ns, e.digest());
            java.util.Map<String, Long> links = new java.util.TreeMap<>(h.links());
            links.merge(e.repository(), e.at(), Math::max);
            recount(store, batch, ns, e.digest(), new Holding(links, h.manifests(), h.manifestSize(), h.counted()));
        } else if (event instanceof Event.BlobUnlinked e) {
            String ns = namespaces.of(e.repository());
            Holding h = holding(store, batch, ns, e.digest());
            if (!h.links().containsKey(e.repository())) return;
            java.util.Map<String, Long> links = new java.util.TreeMap<>(h.links());
            links.remove(e.repository());
            recount(store, batch, ns, e.digest(), new Holding(links, h.manifests(), h.manifestSize(), h.counted()));
        } else if (event instanceof ManifestPushed e) {
            String key = MANIFEST + e.repository() + "|" + e.digest();
            String id = e.repository() + "|" + e.digest();
            if (read(store, batch, key) != null) {
                // pushed again: a use, so an untagged manifest's retention starts over
                Held held = held(store, batch, id);
                if (held != null && held.tags() == 0 && e.at() > held.untaggedSince()) {
                    batch.put(HELD + id, Json.write(new Held(0, e.at(), held.wasTagged(), held.subject(), held.children())));
                }
                return;
            }
            batch.put(key, Json.write(e.blobs()));
            add(store, batch, MANIFEST_HOLDERS + e.digest(), 1);
            batch.put(MANIFEST_BYTES + e.digest(), Json.write(new ManifestBytes(e.chunkId(), e.size())));
            batch.delete(MANIFEST_UNHELD + e.digest());
            List<String> children = e.manifests() == null ? List.of() : distinct(e.manifests());
            batch.put(HELD + id, Json.write(new Held(0, e.at(), false, e.subject() == null ? null : e.subject().digest(), children)));
            batch.put(UNTAGGED + id, new byte[0]);
            for (String c : children) add(store, batch, PARENTS + e.repository() + "|" + c, 1);
            for (String b : distinct(e.blobs())) {
                add(store, batch, REFS + b, 1);
                candidate(store, batch, b);
            }
            String ns = namespaces.of(e.repository());
            Holding h = holding(store, batch, ns, e.digest());
            recount(store, batch, ns, e.digest(), new Holding(h.links(), h.manifests() + 1, e.size(), h.counted()));
        } else if (event instanceof ManifestDeleted e) {
            String key = MANIFEST + e.repository() + "|" + e.digest();
            byte[] v = read(store, batch, key);
            if (v == null) return;
            batch.delete(key);
            String id = e.repository() + "|" + e.digest();
            Held held = held(store, batch, id);
            if (held != null) {
                for (String c : held.children()) {
                    String pk = PARENTS + e.repository() + "|" + c;
                    if (number(store, batch, pk) <= 1) batch.delete(pk);
                    else add(store, batch, pk, -1);
                }
            }
            batch.delete(HELD + id);
            batch.delete(UNTAGGED + id);
            if (number(store, batch, MANIFEST_HOLDERS + e.digest()) <= 1) {
                batch.delete(MANIFEST_HOLDERS + e.digest());
                batch.put(MANIFEST_UNHELD + e.digest(), millis(e.at()));
            } else {
                add(store, batch, MANIFEST_HOLDERS + e.digest(), -1);
            }
            max(store, batch, MANIFEST_GONE + id, e.at());
            // every tag that pointed at it is gone with it
            String tagPrefix = TAG + e.repository() + "|";
            store.scan(tagPrefix, null, (k, d) -> {
                if (e.digest().equals(new String(d, StandardCharsets.US_ASCII))) batch.delete(k);
                return true;
            });
            for (String b : distinct(List.of(Json.read(v, String[].class)))) {
                add(store, batch, REFS + b, -1);
                max(store, batch, FREED_AT + b, e.at());
                candidate(store, batch, b);
            }
            String ns = namespaces.of(e.repository());
            Holding h = holding(store, batch, ns, e.digest());
            recount(store, batch, ns, e.digest(), new Holding(h.links(), h.manifests() - 1, h.manifestSize(), h.counted()));
        } else if (event instanceof Event.TagUpdated e) {
            String tk = TAG + e.repository() + "|" + e.tag();
            byte[] old = read(store, batch, tk);
            String before = old == null ? null : new String(old, StandardCharsets.US_ASCII);
            if (e.digest().equals(before)) return;
            if (before != null) untag(store, batch, e.repository(), before, e.at());
            batch.put(tk, e.digest().getBytes(StandardCharsets.US_ASCII));
            String id = e.repository() + "|" + e.digest();
            Held held = held(store, batch, id);
            if (held != null) {
                batch.put(HELD + id, Json.write(new Held(held.tags() + 1, held.untaggedSince(), true, held.subject(), held.children())));
                batch.delete(UNTAGGED + id);
            }
        } else if (event instanceof Event.TagDeleted e) {
            String tk = TAG + e.repository() + "|" + e.tag();
            byte[] old = read(store, batch, tk);
            if (old == null) return;
            batch.delete(tk);
            untag(store, batch, e.repository(), new String(old, StandardCharsets.US_ASCII), e.at());
        } else if (event instanceof Event.ManifestBytesDeleted e) {
            max(store, batch, MANIFEST_BYTES_DELETED + e.digest(), e.unheldSince());
        } else if (event instanceof Event.QuotaSet e) {
            if (e.bytes() < 0) batch.delete(QUOTA + e.namespace());
            else batch.put(QUOTA + e.namespace(), Long.toString(e.bytes()).getBytes(StandardCharsets.US_ASCII));
        } else if (LiveUploads.handles(event)) {
            LiveUploads.apply(event, store, batch);
        }
    }

    private static Held held(KvStore store, KvStore.Batch batch, String id) {
        byte[] v = read(store, batch, HELD + id);
        return v == null ? null : Json.read(v, Held.class);
    }

    /** A tag left the manifest: with no tag left, it is untagged since {@code at}. */
    private static void untag(KvStore store, KvStore.Batch batch, String repository, String digest, long at) {
        String id = repository + "|" + digest;
        Held held = held(store, batch, id);
        if (held == null) return;
        int tags = Math.max(0, held.tags() - 1);
        batch.put(HELD + id, Json.write(new Held(tags, tags == 0 ? at : held.untaggedSince(), held.wasTagged(), held.subject(), held.children())));
        if (tags == 0) batch.put(UNTAGGED + id, new byte[0]);
    }

    /** Keeps the candidate marker in step: a stored blob that no manifest references. */
    private static void candidate(KvStore store, KvStore.Batch batch, String digest) {
        boolean stored = read(store, batch, BLOB + digest) != null;
        if (stored && number(store, batch, REFS + digest) <= 0) batch.put(CANDIDATE + digest, new byte[0]);
        else batch.delete(CANDIDATE + digest);
    }

    private static Holding holding(KvStore store, KvStore.Batch batch, String ns, String digest) {
        byte[] v = read(store, batch, HOLD + ns + "|" + digest);
        return v == null ? new Holding(java.util.Map.of(), 0, 0, 0) : Json.read(v, Holding.class);
    }

    /** Stores the holding with what it counts now, and moves the namespace's usage by the difference. */
    private static void recount(KvStore store, KvStore.Batch batch, String ns, String digest, Holding h) {
        long deletedAt = number(store, batch, DELETED_AT + digest);
        byte[] blob = read(store, batch, BLOB + digest);
        boolean linked = h.links().values().stream().anyMatch(at -> at > deletedAt);
        long counted = (blob != null && linked ? Json.read(blob, Blob.class).size() : 0) + (h.manifests() > 0 ? h.manifestSize() : 0);
        String key = HOLD + ns + "|" + digest;
        if (h.links().isEmpty() && h.manifests() <= 0) {
            batch.delete(key);
            batch.delete(HELD_IN + digest + "|" + ns);
        } else {
            batch.put(key, Json.write(new Holding(h.links(), h.manifests(), h.manifestSize(), counted)));
            batch.put(HELD_IN + digest + "|" + ns, new byte[0]);
        }
        if (counted != h.counted()) add(store, batch, USAGE + ns, counted - h.counted());
    }

    /** The blob came or went: every namespace holding it counts again. */
    private static void recountEverywhere(KvStore store, KvStore.Batch batch, String digest) {
        List<String> namespaces = new ArrayList<>();
        String prefix = HELD_IN + digest + "|";
        store.scan(prefix, null, (k, x) -> namespaces.add(k.substring(prefix.length())));
        for (String ns : namespaces) recount(store, batch, ns, digest, holding(store, batch, ns, digest));
    }

    private static void max(KvStore store, KvStore.Batch batch, String key, long at) {
        if (at > number(store, batch, key)) batch.put(key, millis(at));
    }

    /** The value of a key as this event's batch leaves it so far (null when absent or deleted). */
    static byte[] read(KvStore store, KvStore.Batch batch, String key) {
        List<KvStore.Batch.Op> ops = batch.ops();
        for (int i = ops.size() - 1; i >= 0; i--) {
            if (ops.get(i).key().equals(key)) return ops.get(i).value();
        }
        return store.get(key);
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
        batch.put(key, Long.toString(number(store, batch, key) + delta).getBytes(StandardCharsets.US_ASCII));
    }

    private static long number(KvStore store, KvStore.Batch batch, String key) {
        byte[] v = read(store, batch, key);
        return v == null ? 0 : Long.parseLong(new String(v, StandardCharsets.US_ASCII));
    }

    static long number(KvStore store, String key) {
        byte[] v = store.get(key);
        return v == null ? 0 : Long.parseLong(new String(v, StandardCharsets.US_ASCII));
    }

    /** Usage as applied so far. */
    public Usage usage() {
        return new Usage(number(store, BLOBS), number(store, BYTES));
    }

    // ---- quotas

    @Override
    public Namespaces namespaces() {
        return config.namespaces();
    }

    @Override
    public Quota quota(String namespace) {
        projection.awaitLogEnd(timeout); // reads after writes: every push acknowledged before is counted
        byte[] q = store.get(QUOTA + namespace);
        return new Quota(namespace, q == null ? -1 : Long.parseLong(new String(q, StandardCharsets.US_ASCII)), number(store, USAGE + namespace));
    }

    @Override
    public void set(String namespace, long bytes, String actor) {
        if (bytes < -1) throw dev.strata.core.oci.OciError.SIZE_INVALID.exception("a quota is -1 (none) or a number of bytes");
        dev.strata.core.oci.Names.repository(namespace);
        if (!config.namespaces().isNamespace(namespace)) {
            throw dev.strata.core.oci.OciError.NAME_INVALID.exception("'" + namespace + "' is not a namespace: a namespace is a name without '/' or a configured namespace prefix");
        }
        projection.appendAndAwait(log, new Event.QuotaSet(namespace, bytes, clock.millis(), actor), timeout);
    }

    @Override
    public void check(String repository, java.util.Map<dev.strata.core.oci.Digest, Long> additions) {
        String ns = config.namespaces().of(repository);
        if (store.get(QUOTA + ns) == null) return; // no quota: no need to catch up
        Quota q = quota(ns);
        if (q.limit() < 0) return;
        long extra = 0;
        for (var a : additions.entrySet()) {
            if (store.get(HOLD + ns + "|" + a.getKey()) == null) extra += a.getValue();
        }
        if (extra > 0 && q.usage() + extra > q.limit()) {
            throw dev.strata.core.oci.OciError.DENIED.exception("quota of namespace " + ns + " exceeded: usage " + q.usage()
                    + " bytes + " + extra + " bytes would pass the quota of " + q.limit() + " bytes");
        }
    }

    // ---- collection

    /** Since when the blob is unused: its commit, its latest link, the latest drop of a reference. */
    private long unusedSince(String digest, Blob b) {
        return Math.max(b.committedAt(), Math.max(number(store, USED_AT + digest), number(store, FREED_AT + digest)));
    }

    /** Candidates past the grace period, at most {@code limit}. */
    private List<Collected> due(long now, int limit) {
        List<Collected> out = new ArrayList<>();
        store.scan(CANDIDATE, null, (k, v) -> {
            String digest = k.substring(CANDIDATE.length());
            byte[] b = store.get(BLOB + digest);
            if (b != null && store.get(DELETING + digest) == null) {
                Blob blob = Json.read(b, Blob.class);
                long since = unusedSince(digest, blob);
                if (since + config.grace().toMillis() <= now) {
                    out.add(new Collected(digest, blob.size(), since,
                            "unreferenced by any manifest and unused since " + java.time.Instant.ofEpochMilli(since)));
                }
            }
            return out.size() < limit;
        });
        return out;
    }

    /**
     * Whether a manifest is due for retention now, once this projection has applied the log: the
     * check a {@link ManifestRemover} runs under the repository's lock (also over the internal API,
     * when the manifest-service runs in another process).
     */
    public boolean manifestStillDue(String repository, String digest) {
        return retention.stillDue(repository, digest);
    }

    /** Since when no repository has the manifest, if its bytes are still stored; else -1. */
    private long unheldSince(String digest) {
        byte[] v = store.get(MANIFEST_UNHELD + digest);
        if (v == null || store.get(MANIFEST_HOLDERS + digest) != null) return -1;
        long since = Long.parseLong(new String(v, StandardCharsets.US_ASCII));
        return since > number(store, MANIFEST_BYTES_DELETED + digest) ? since : -1;
    }

    /** Chunks of manifests that no repository has had for the grace period, at most {@code limit}. */
    private List<Collected> manifestBytesDue(long now, int limit) {
        List<Collected> out = new ArrayList<>();
        store.scan(MANIFEST_UNHELD, null, (k, v) -> {
            String digest = k.substring(MANIFEST_UNHELD.length());
            long since = unheldSince(digest);
            byte[] mb = store.get(MANIFEST_BYTES + digest);
            if (since >= 0 && mb != null && since + config.grace().toMillis() <= now) {
                out.add(new Collected(digest, Json.read(mb, ManifestBytes.class).size(), since,
                        "bytes of a manifest in no repository since " + java.time.Instant.ofEpochMilli(since)));
            }
            return out.size() < limit;
        });
        return out;
    }

    /**
     * Deletes manifest chunks inside the fence: a manifest PUT holds it from its check of the chunk
     * to its event, so it either wrote the chunk and its event shows here (the manifest is held
     * again), or it comes after and writes the chunk anew.
     */
    private List<Collected> collectManifestBytes(List<Collected> due) {
        List<Collected> out = new ArrayList<>();
        for (Collected c : due) {
            exclusively.accept(() -> {
                projection.awaitLogEnd(timeout);
                if (unheldSince(c.digest()) != c.unreferencedSince()) return; // pushed again meanwhile
                String chunkId = Json.read(store.get(MANIFEST_BYTES + c.digest()), ManifestBytes.class).chunkId();
                try {
                    chunks.delete(chunkId);
                } catch (RuntimeException e) {
                    LOG.warn("gc: could not delete manifest chunk {}: {}", chunkId, e.toString());
                    return;
                }
                projection.appendAndAwait(log, new Event.ManifestBytesDeleted(c.digest(), chunkId, c.unreferencedSince(), clock.millis()), timeout);
                out.add(c);
            });
        }
        return out;
    }

    /**
     * One pass: collects what is due now (at most the configured number of manifests, then of
     * blobs). A dry run only lists it. Manifests go first; the blobs they leave unreferenced follow
     * in a later pass, once the grace period has passed since their release. Passes never overlap.
     */
    @Override
    public List<Collected> collect(boolean dryRun) {
        try {
            List<Collected> out = pass(dryRun);
            passes.inc(dryRun ? "dry_run" : "ok");
            if (!dryRun) {
                collectedBlobs.add(out.size());
                collectedBytes.add(out.stream().mapToLong(Collected::size).sum());
                lastPassMillis = clock.millis();
            }
            return out;
        } catch (RuntimeException e) {
            passes.inc("failed");
            throw e;
        }
    }

    private List<Collected> pass(boolean dryRun) {
        synchronized (passLock) {
            if (!dryRun) expireUploads.apply(config.uploadExpiry());
            projection.awaitLogEnd(timeout);
            long now = clock.millis();
            List<Collected> manifestsDue = retention.due(now, config.maxDeletesPerPass());
            List<Collected> due = due(now, config.maxDeletesPerPass());
            List<Collected> manifestBytesDue = manifestBytesDue(now, config.maxDeletesPerPass());
            List<Collected> orphans = orphanChunks.due(now, config.maxDeletesPerPass());
            if (dryRun) {
                List<Collected> all = new ArrayList<>(manifestsDue);
                all.addAll(manifestBytesDue);
                all.addAll(due);
                all.addAll(orphans);
                return all;
            }
            List<Collected> manifestsCollected = retention.collect(manifestsDue);
            if (!manifestsCollected.isEmpty()) LOG.info("gc: deleted {} untagged manifests", manifestsCollected.size());
            manifestsCollected.addAll(collectManifestBytes(manifestBytesDue));
            manifestsCollected.addAll(orphanChunks.delete(orphans));
            if (due.isEmpty()) return manifestsCollected;
            // 1. schedule each deletion inside the fence: every check of the blob by a manifest PUT,
            //    upload completion or mount happens either before (and shows in the projection, which
            //    catches up first) or after (and sees the blob absent)
            List<Collected> scheduled = new ArrayList<>();
            List<List<ChunkRef>> scheduledChunks = new ArrayList<>();
            long[] lastScheduledAt = {0};
            for (Collected c : due) {
                exclusively.accept(() -> {
                    projection.awaitLogEnd(timeout);
                    byte[] v = store.get(BLOB + c.digest());
                    if (v == null || store.get(CANDIDATE + c.digest()) == null || store.get(DELETING + c.digest()) != null) return;
                    Blob b = Json.read(v, Blob.class);
                    if (unusedSince(c.digest(), b) != c.unreferencedSince()) return; // used meanwhile
                    Position p = projection.appendAndAwait(log, new BlobDeletionScheduled(c.digest(), b.chunks(), clock.millis()), timeout);
                    awaitBlobIndex.accept(p);
                    lastScheduledAt[0] = System.nanoTime();
                    scheduled.add(c);
                    scheduledChunks.add(b.chunks());
                });
            }
            // 2. everything that saw these blobs before their schedule is in the log now (across
            //    processes once the fence wait has passed since the last schedule: one wait per pass)
            if (!scheduled.isEmpty()) awaitFence(lastScheduledAt[0]);
            projection.awaitLogEnd(timeout);
            // 3. re-check and delete, or cancel
            List<Collected> collected = new ArrayList<>();
            for (int i = 0; i < scheduled.size(); i++) {
                Collected c = scheduled.get(i);
                byte[] blob = store.get(BLOB + c.digest());
                boolean stillDue = blob != null && store.get(CANDIDATE + c.digest()) != null
                        && store.get(DELETING + c.digest()) != null
                        && unusedSince(c.digest(), Json.read(blob, Blob.class)) == c.unreferencedSince();
                if (!stillDue) {
                    projection.appendAndAwait(log, new BlobDeletionCancelled(c.digest(), "referenced or linked again", clock.millis()), timeout);
                    continue;
                }
                for (ChunkRef ch : scheduledChunks.get(i)) {
                    try {
                        chunks.delete(ch.id());
                    } catch (RuntimeException e) {
                        LOG.warn("gc: could not delete chunk {} of {}: {}", ch.id(), c.digest(), e.toString());
                    }
                }
                Position p = projection.appendAndAwait(log, new BlobDeleted(c.digest(), scheduledChunks.get(i), c.size(), clock.millis()), timeout);
                awaitBlobIndex.accept(p);
                collected.add(c);
            }
            if (!collected.isEmpty()) LOG.info("gc: collected {} blobs, {} bytes", collected.size(),
                    collected.stream().mapToLong(Collected::size).sum());
            List<Collected> all = new ArrayList<>(manifestsCollected);
            all.addAll(collected);
            return all;
        }
    }

    /** Returns once {@link #fenceWait} has passed since {@code scheduledAt} ({@link System#nanoTime}). */
    private void awaitFence(long scheduledAt) {
        long left = fenceWait.toNanos() - (System.nanoTime() - scheduledAt);
        if (left <= 0) return;
        try {
            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw dev.strata.core.oci.OciError.UNAVAILABLE.exception("interrupted while waiting out the garbage-collection fence");
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
