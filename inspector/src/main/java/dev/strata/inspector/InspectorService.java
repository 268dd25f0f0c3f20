package dev.strata.inspector;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.core.events.Event;
import dev.strata.core.events.Event.ManifestPushed;
import dev.strata.core.log.LogConfig;
import dev.strata.core.log.Position;
import dev.strata.core.log.Projection;
import dev.strata.core.oci.Digest;
import dev.strata.core.oci.MediaTypes;
import dev.strata.core.oci.OciError;
import dev.strata.core.oci.Reference;
import dev.strata.core.spi.BlobRecord;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ImageInspector;
import dev.strata.core.spi.KvStore;
import dev.strata.core.spi.ManifestService;
import dev.strata.core.spi.UploadService;
import dev.strata.core.util.Json;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inspector: the layer index, a projection of the repositories topic, and {@link ImageInspector}
 * on top of it. On each {@code ManifestPushed} of an image manifest it reads every layer it has not
 * indexed yet once, streaming chunk by chunk ({@link TarIndexer}), and the image config for its
 * history; it stores them under the layer's and config's digest, so the index is idempotent,
 * shared by every image and repository that uses a layer, and rebuilt by replaying the log.
 *
 * <p>Reads wait until the index has applied everything the repository projection has applied, so
 * an image is inspectable as soon as its push is acknowledged (once its layers are indexed).
 */
public final class InspectorService implements ImageInspector, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InspectorService.class);
    /** The topics this projection consumes. */
    public static final List<Event.Topic> TOPICS = List.of(Event.Topic.REPOSITORIES, Event.Topic.BLOBS);
    static final String LAYER = "L/";
    static final String ENTRIES = "E/";
    static final String CONFIG = "C/";
    static final int PAGE = 2000;

    /** What the index keeps of a layer besides its entries. */
    record LayerSummary(String digest, String compression, long compressedSize, long uncompressedSize, int entries,
                        int pages, List<String> errors) {}

    /** One history step of an image config. */
    record HistoryItem(String created, String createdBy, String comment, boolean emptyLayer) {}

    /** What the index keeps of an image config. */
    record ConfigSummary(String os, String architecture, String variant, List<HistoryItem> history, List<String> errors) {}

    /** A resolved image manifest. */
    record Image(String digest, String config, List<String> layers, List<String> layerTypes, String platform) {}

    private final KvStore store;
    private final ChunkStore chunks;
    private final UploadService uploads;
    private final ManifestService manifests;
    private final Projection upstream;
    private final InspectorConfig config;
    private final Duration timeout;
    private final Projection projection;
    private final Map<String, UnionFs> cache;

    public InspectorService(LogConfig log, KvStore store, ChunkStore chunks, UploadService uploads, ManifestService manifests,
                            Projection upstream, InspectorConfig config, Duration timeout) {
        this.store = store;
        this.chunks = chunks;
        this.uploads = uploads;
        this.manifests = manifests;
        this.upstream = upstream;
        this.config = config;
        this.timeout = timeout;
        this.projection = new Projection("inspector", log, TOPICS, store, this::apply);
        int max = config.cacheImages();
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, UnionFs> eldest) {
                return size() > max;
            }
        };
    }

    /** Starts the projection without waiting: indexing a large backlog must not hold up serving pulls. */
    public InspectorService start() {
        projection.start(timeout);
        return this;
    }

    public Projection projection() { return projection; }

    /** The live projection state. */
    public KvStore store() { return store; }

    /** The apply function (it reads layers through this service's chunk store and blob index): also used by replay. */
    public Projection.Handler handler() { return this::apply; }

    // ---- the projection

    void apply(Event event, KvStore kv, KvStore.Batch batch) {
        if (event instanceof Event.BlobDeleted d) {
            collect(d.digest(), kv, batch);
            return;
        }
        if (!(event instanceof ManifestPushed e)) return;
        if (!MediaTypes.OCI_MANIFEST.equals(e.mediaType()) && !MediaTypes.DOCKER_MANIFEST.equals(e.mediaType())) return;
        JsonNode m;
        try {
            m = Json.MAPPER.readTree(chunks.read(e.chunk(), 0, (int) e.size()));
        } catch (IOException | RuntimeException ex) {
            LOG.warn("inspector: cannot read manifest {} of {}: {}", e.digest(), e.repository(), ex.toString());
            return;
        }
        Set<String> done = new HashSet<>();
        String configDigest = m.path("config").path("digest").asText(null);
        if (configDigest != null && kv.get(CONFIG + configDigest) == null) {
            ConfigSummary c = readConfig(configDigest);
            if (c != null) batch.put(CONFIG + configDigest, Json.write(c));
        }
        for (JsonNode l : m.path("layers")) {
            String d = l.path("digest").asText(null);
            if (d == null || MediaTypes.NON_DISTRIBUTABLE.contains(l.path("mediaType").asText()) || !done.add(d)
                    || kv.get(LAYER + d) != null) {
                continue;
            }
            indexLayer(d, batch);
        }
    }

    /** A deleted blob takes its layer index (or config summary) with it. */
    private static void collect(String digest, KvStore kv, KvStore.Batch batch) {
        if (kv.get(LAYER + digest) != null) {
            batch.delete(LAYER + digest);
            kv.scan(ENTRIES + digest + "/", null, (k, v) -> {
                batch.delete(k);
                return true;
            });
        }
        if (kv.get(CONFIG + digest) != null) batch.delete(CONFIG + digest);
    }

    /**
     * Indexes one layer. A blob that is no longer stored (collected since the manifest was pushed,
     * seen when replaying) is not indexed at all, so a replay ends where the live index is.
     */
    private void indexLayer(String digest, KvStore.Batch batch) {
        long started = System.nanoTime();
        BlobRecord blob = uploads.blob(Digest.parse(digest)).orElse(null);
        if (blob == null) return;
        LayerIndex idx;
        long compressed = blob.size();
        try (InputStream in = new BlobInputStream(chunks, blob.chunks())) {
            idx = TarIndexer.index(in, config);
        } catch (IOException | RuntimeException ex) {
            idx = new LayerIndex("unknown", 0, List.of(), List.of("cannot read the blob: " + ex));
        }
        List<LayerEntry> es = idx.entries();
        int pages = (es.size() + PAGE - 1) / PAGE;
        for (int p = 0; p < pages; p++) {
            batch.put(pageKey(digest, p), Json.write(es.subList(p * PAGE, Math.min(es.size(), (p + 1) * PAGE))));
        }
        batch.put(LAYER + digest, Json.write(new LayerSummary(digest, idx.compression(), compressed, idx.uncompressedSize(),
                es.size(), pages, idx.errors())));
        long ms = (System.nanoTime() - started) / 1_000_000;
        LOG.info("inspector: indexed layer {} ({}, {} bytes, {} uncompressed, {} entries, {} errors) in {} ms", digest,
                idx.compression(), compressed, idx.uncompressedSize(), es.size(), idx.errors().size(), ms);
    }

    private static String pageKey(String digest, int page) {
        return ENTRIES + digest + "/" + String.format("%08d", page);
    }

    /** The config's summary, or null when its blob is no longer stored. */
    private ConfigSummary readConfig(String digest) {
        try {
            BlobRecord blob = uploads.blob(Digest.parse(digest)).orElse(null);
            if (blob == null) return null; // collected: as for layers
            if (blob.size() > config.maxConfigBytes()) {
                return new ConfigSummary(null, null, null, List.of(), List.of("config larger than " + config.maxConfigBytes() + " bytes"));
            }
            JsonNode c;
            try (InputStream in = new BlobInputStream(chunks, blob.chunks())) {
                c = Json.MAPPER.readTree(in.readNBytes(config.maxConfigBytes()));
            }
            List<HistoryItem> history = new ArrayList<>();
            for (JsonNode h : c.path("history")) {
                if (history.size() >= 10_000) break;
                history.add(new HistoryItem(h.path("created").asText(null), h.path("created_by").asText(null),
                        h.path("comment").asText(null), h.path("empty_layer").asBoolean(false)));
            }
            return new ConfigSummary(c.path("os").asText(null), c.path("architecture").asText(null),
                    c.path("variant").asText(null), history, List.of());
        } catch (IOException | RuntimeException ex) {
            return new ConfigSummary(null, null, null, List.of(), List.of("cannot read the config: " + ex));
        }
    }

    // ---- reads

    private void awaitUpstream() {
        for (var e : upstream.appliedOffsets().entrySet()) {
            projection.await(new Position(e.getKey().topic(), e.getKey().partition(), e.getValue() - 1), timeout);
        }
    }

    Image resolve(String repository, Reference reference, String platform) {
        awaitUpstream();
        ManifestService.Stored st = manifests.getManifest(repository, reference);
        JsonNode m = parse(st.bytes());
        String chosen = null;
        if (MediaTypes.isIndex(st.record().mediaType())) {
            List<String> available = new ArrayList<>();
            String childDigest = null;
            for (JsonNode c : m.path("manifests")) {
                JsonNode p = c.path("platform");
                String plat = p.path("os").asText("") + "/" + p.path("architecture").asText("")
                        + (p.path("variant").isTextual() ? "/" + p.path("variant").asText() : "");
                available.add(plat);
                boolean match = platform == null ? m.path("manifests").size() == 1
                        : plat.equals(platform) || (platform.chars().filter(ch -> ch == '/').count() == 1 && plat.startsWith(platform + "/"));
                if (match && childDigest == null) {
                    childDigest = c.path("digest").asText();
                    chosen = plat;
                }
            }
            if (childDigest == null) {
                throw OciError.MANIFEST_UNKNOWN.exception((platform == null ? "the index has several images; pick one with ?platform="
                        : "no image for platform " + platform + " in the index") + "; platforms: " + String.join(", ", available));
            }
            st = manifests.getManifest(repository, Reference.of(Digest.parse(childDigest)));
            m = parse(st.bytes());
            if (MediaTypes.isIndex(st.record().mediaType())) throw OciError.MANIFEST_UNKNOWN.exception("nested indexes are not inspected");
        }
        String cfg = m.path("config").path("digest").asText(null);
        List<String> layers = new ArrayList<>();
        List<String> types = new ArrayList<>();
        for (JsonNode l : m.path("layers")) {
            if (MediaTypes.NON_DISTRIBUTABLE.contains(l.path("mediaType").asText())) continue;
            layers.add(l.path("digest").asText());
            types.add(l.path("mediaType").asText(null));
        }
        return new Image(st.record().digest(), cfg, layers, types, chosen);
    }

    private static JsonNode parse(byte[] b) {
        try {
            return Json.MAPPER.readTree(b);
        } catch (IOException e) {
            throw OciError.MANIFEST_INVALID.exception("stored manifest is not JSON");
        }
    }

    private LayerSummary summary(String layer) {
        byte[] v = store.get(LAYER + layer);
        if (v == null) throw OciError.UNAVAILABLE.exception("layer " + layer + " is not indexed (yet)");
        return Json.read(v, LayerSummary.class);
    }

    private List<LayerEntry> entries(LayerSummary s) {
        List<LayerEntry> out = new ArrayList<>(s.entries());
        for (int p = 0; p < s.pages(); p++) {
            byte[] v = store.get(pageKey(s.digest(), p));
            if (v == null) throw OciError.UNAVAILABLE.exception("layer " + s.digest() + " index page " + p + " is missing");
            out.addAll(Arrays.asList(Json.read(v, LayerEntry[].class)));
        }
        return out;
    }

    UnionFs fs(Image image) {
        synchronized (cache) {
            UnionFs fs = cache.get(image.digest());
            if (fs != null) return fs;
        }
        UnionFs fs = new UnionFs(config.maxImageEntries());
        for (String l : image.layers()) fs.apply(l, entries(summary(l)));
        synchronized (cache) {
            cache.put(image.digest(), fs);
        }
        return fs;
    }

    @Override
    public History history(String repository, Reference reference, String platform) {
        Image image = resolve(repository, reference, platform);
        UnionFs fs = fs(image);
        List<UnionFs.LayerStats> stats = fs.stats();
        byte[] cv = image.config() == null ? null : store.get(CONFIG + image.config());
        ConfigSummary cfg = cv == null ? new ConfigSummary(null, null, null, List.of(), List.of()) : Json.read(cv, ConfigSummary.class);
        List<HistoryStep> steps = new ArrayList<>();
        int layer = 0;
        for (HistoryItem h : cfg.history()) {
            if (h.emptyLayer() || layer >= image.layers().size()) {
                steps.add(new HistoryStep(h.createdBy(), h.created(), h.comment(), true, null, null, null, null, null,
                        null, null, null, null, null));
            } else {
                steps.add(layerStep(h, image, layer, stats.get(layer)));
                layer++;
            }
        }
        for (; layer < image.layers().size(); layer++) steps.add(layerStep(null, image, layer, stats.get(layer)));
        return new History(image.digest(), image.config(), image.platform(), steps);
    }

    private HistoryStep layerStep(HistoryItem h, Image image, int layer, UnionFs.LayerStats st) {
        LayerSummary s = summary(image.layers().get(layer));
        return new HistoryStep(h == null ? null : h.createdBy(), h == null ? null : h.created(), h == null ? null : h.comment(),
                false, s.digest(), image.layerTypes().get(layer), s.compression(), s.compressedSize(), s.uncompressedSize(),
                s.entries(), st.added(), st.changed(), st.deleted(), s.errors().isEmpty() ? null : s.errors());
    }

    /** "/etc/", "etc" → "/etc"; PATH_INVALID for "..", empty or overlong paths. */
    static String path(String p) {
        if (p == null || p.isEmpty()) return "/";
        if (p.length() > 4096) throw OciError.PATH_INVALID.exception("path longer than 4096 characters");
        String n = TarIndexer.normalise(p.startsWith("/") ? p.substring(1) : p);
        if (n == null) throw OciError.PATH_INVALID.exception("path must not contain '..'");
        return n;
    }

    /** An entry of an image's merged filesystem, with the tree it was found in. */
    private record Found(String image, String path, UnionFs fs, FsEntry entry) {}

    private Found find(String repository, Reference reference, String platform, String path) {
        String p = path(path);
        Image image = resolve(repository, reference, platform);
        UnionFs fs = fs(image);
        FsEntry entry = fs.get(p);
        if (entry == null) throw OciError.PATH_UNKNOWN.exception(p + " is not in image " + image.digest());
        return new Found(image.digest(), p, fs, entry);
    }

    @Override
    public Listing list(String repository, Reference reference, String platform, String path) {
        Found f = find(repository, reference, platform, path);
        if (!f.entry().type().equals("dir")) return new Listing(f.image(), f.path(), f.entry(), List.of(), false);
        int max = config.maxListEntries();
        List<FsEntry> children = f.fs().children(f.path(), max + 1);
        boolean truncated = children.size() > max;
        return new Listing(f.image(), f.path(), f.entry(), truncated ? children.subList(0, max) : children, truncated);
    }

    @Override
    public FileContent file(String repository, Reference reference, String platform, String path) {
        Found f = find(repository, reference, platform, path);
        FsEntry entry = f.entry();
        String p = f.path();
        UnionFs.Located loc = f.fs().locate(p);
        if (loc == null) throw OciError.PATH_UNKNOWN.exception(p + " is a " + entry.type() + ", not a regular file");
        BlobRecord blob = uploads.blob(Digest.parse(loc.layer()))
                .orElseThrow(() -> OciError.BLOB_UNKNOWN.exception("layer " + loc.layer() + " is not stored"));
        return new FileContent() {
            @Override
            public FsEntry entry() { return entry; }

            @Override
            public InputStream open(long offset) throws IOException {
                long size = loc.entry().size();
                if (offset < 0 || offset > size) throw new IllegalArgumentException("offset " + offset + " outside 0.." + size);
                InputStream tar = Layers.open(new BlobInputStream(chunks, blob.chunks())).tar();
                long skip = loc.entry().offset() + offset;
                tar.skipNBytes(skip);
                return new Limited(tar, size - offset);
            }
        };
    }

    /** The first {@code left} bytes of a stream; closes it. */
    private static final class Limited extends FilterInputStream {
        private long left;

        Limited(InputStream in, long left) {
            super(in);
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = super.read();
            if (b >= 0) left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n < 0) throw new java.io.EOFException("layer ends inside the file");
            left -= n;
            return n;
        }
    }

    @Override
    public Diff diff(String repository, Reference reference, Reference from, String platform) {
        Image to = resolve(repository, reference, platform);
        Image base = resolve(repository, from, platform);
        UnionFs.DiffResult d = UnionFs.diff(fs(base), fs(to), config.maxListEntries());
        return new Diff(base.digest(), to.digest(), d.added(), d.removed(), d.changed(), d.changes(), d.truncated());
    }

    @Override
    public void close() {
        projection.close();
    }
}
