package dev.strata.cli;

import dev.strata.core.log.EventLog;
import dev.strata.core.log.LogConfig;
import dev.strata.core.metrics.Health;
import dev.strata.core.metrics.JvmMetrics;
import dev.strata.core.metrics.MeteredUploadService;
import dev.strata.core.metrics.Metrics;
import dev.strata.core.metrics.ProjectionMonitor;
import dev.strata.gateway.Gateway;
import dev.strata.gateway.GatewayConfig;
import dev.strata.gc.GcConfig;
import dev.strata.gateway.auth.Authority;
import dev.strata.gc.GcService;
import dev.strata.inspector.InspectorConfig;
import dev.strata.inspector.InspectorService;
import dev.strata.manifest.ManifestServiceImpl;
import dev.strata.core.spi.ChunkStore;
import dev.strata.storage.FileChunkStore;
import dev.strata.storage.RadosChunkStore;
import dev.strata.storage.RocksChunkStore;
import dev.strata.storage.RocksKvStore;
import dev.strata.storage.ScrubConfig;
import dev.strata.storage.Scrubber;
import dev.strata.upload.UploadServiceImpl;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code strata serve}: every service in one JVM. An embedded Kafka broker, a storage node (RocksDB,
 * or a Ceph RADOS pool), upload-, manifest- and gc-service, and the gateway, wired with in-process
 * calls. Closing stops them in reverse order.
 */
public final class SingleNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SingleNode.class);
    private static final Duration TIMEOUT = ServeConfig.REQUEST_TIMEOUT;
    /** A manifest PUT must append within this long of validating its references (the GC fence's bound). */
    private static final Duration VALIDATION_WINDOW = Duration.ofSeconds(30);

    private final Closer open = new Closer();
    private UploadServiceImpl uploads;
    private ManifestServiceImpl manifests;
    private GcService gc;
    private Scrubber scrubber;
    private ChunkStore chunks;
    private InspectorService inspector;
    private Gateway gateway;
    private int port;
    private String bootstrapServers;
    private final Metrics metrics = new Metrics();
    private final Health health = new Health();
    private boolean internalHttp;
    private volatile EmbeddedKafka kafka;
    private java.nio.file.Path kafkaDir;
    private boolean fsync;

    private SingleNode() {}

    public static SingleNode start(ServeConfig config) throws IOException {
        return start(config, GcConfig.defaults());
    }

    public static SingleNode start(ServeConfig config, GcConfig gcConfig) throws IOException {
        return start(config, gcConfig, false);
    }

    /**
     * @param internalHttp when true, the gateway reaches the services through their internal HTTP
     *                     APIs on loopback (the multi-process clients and servers, in one JVM), so the
     *                     API tests check that wiring against the same behaviour as the in-process one
     */
    public static SingleNode start(ServeConfig config, GcConfig gcConfig, boolean internalHttp) throws IOException {
        SingleNode n = new SingleNode();
        n.internalHttp = internalHttp;
        try {
            n.boot(config, gcConfig);
            return n;
        } catch (RuntimeException | IOException e) {
            n.close();
            throw e;
        }
    }

    /**
     * How often a request body still streaming renews its hold on its chunks: a third of the orphan
     * grace (so a renewal reaches the log well within it), at most 60 s, at least 100 ms.
     */
    static Duration uploadHold(Duration orphanGrace) {
        Duration third = orphanGrace.dividedBy(3);
        if (third.compareTo(GatewayConfig.DEFAULT_UPLOAD_HOLD) > 0) return GatewayConfig.DEFAULT_UPLOAD_HOLD;
        return third.toMillis() < 100 ? Duration.ofMillis(100) : third;
    }

    private void boot(ServeConfig c, GcConfig gcConfig) throws IOException {
        // first: nothing under the data directory is touched unless this process owns it
        open.push(DataLock.acquire(c.data(), "strata serve"));
        kafka = EmbeddedKafka.start(c.data().resolve("kafka"), c.fsync());
        kafkaDir = c.data().resolve("kafka");
        fsync = c.fsync();
        open.push(() -> {
            if (kafka != null) kafka.close();
        });
        bootstrapServers = kafka.bootstrapServers();
        LogConfig log = new LogConfig(kafka.bootstrapServers(), "strata.", c.partitions(), (short) 1, -1L, c.kafkaTimeout());
        EventLog.ensureTopics(log, Duration.ofSeconds(60));
        chunks = dev.strata.core.spi.ChunkStores.decorate(openChunkStore(c));
        open.push(chunks);
        RocksKvStore uploadsKv = new RocksKvStore(c.data().resolve("meta/uploads"));
        open.push(uploadsKv);
        RocksKvStore manifestsKv = new RocksKvStore(c.data().resolve("meta/repositories"));
        open.push(manifestsKv);
        RocksKvStore gcKv = new RocksKvStore(c.data().resolve("meta/gc"));
        open.push(gcKv);
        EventLog events = new EventLog(log);
        open.push(events);
        Clock clock = Clock.systemUTC();
        uploads = new UploadServiceImpl(events, uploadsKv, chunks, clock, TIMEOUT);
        open.push(uploads);
        uploads.start();
        MeteredUploadService meteredUploads = new MeteredUploadService(uploads, metrics);
        // metered: upload completions reach the upload-service through the manifest-service (completeUpload)
        manifests = new ManifestServiceImpl(events, manifestsKv, chunks, meteredUploads, clock, TIMEOUT, 4 << 20, 64L << 20,
                VALIDATION_WINDOW);
        open.push(manifests);
        manifests.start();
        manifests.deleteReferrers(gcConfig.deleteReferrers());
        gc = GcWiring.start(events, gcKv, chunks, clock, gcConfig, TIMEOUT, new GcWiring.Peers(manifests::exclusively,
                p -> uploads.projection().await(p, TIMEOUT), Duration.ZERO, meteredUploads::expireIdle, manifests::removeIf), metrics);
        open.push(gc);
        // manifest chunks are never deleted, so a missing one is always damage
        scrubber = new Scrubber(chunks, java.util.List.of(
                new Scrubber.Source(uploads::forEachBlob, digest -> uploads.blob(dev.strata.core.oci.Digest.parse(digest)).isPresent()),
                Scrubber.Source.fixed(manifests::forEachManifestChunk)),
                c.scrub() != null ? c.scrub() : c.placement() != null ? ScrubConfig.daily() : ScrubConfig.off());
        open.push(scrubber);
        scrubber.start();
        RocksKvStore inspectorKv = new RocksKvStore(c.data().resolve("meta/inspector"));
        open.push(inspectorKv);
        inspector = new InspectorService(log, inspectorKv, chunks, uploads, manifests, manifests.projection(),
                InspectorConfig.defaults(), TIMEOUT);
        open.push(inspector);
        inspector.start();
        GatewayConfig gw = GatewayConfig.defaults(c.host(), c.port())
                .withLimits(c.limits()).withIdleTimeoutSeconds(c.idleTimeoutSeconds()).withTls(c.tls())
                .withUploadHold(uploadHold(gcConfig.orphanGrace()));
        Authority authority = c.auth() == null ? null : Authority.load(c.auth(), clock);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(gw.eventLoops()).setWorkerPoolSize(64));
        open.push(() -> vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS));
        ProjectionMonitor monitor = new ProjectionMonitor(metrics, health, clock);
        open.push(monitor);
        monitor.watch(uploads.projection(), manifests.projection(), gc.projection())
                .observe(inspector.projection());
        JvmMetrics.register(metrics);
        dev.strata.storage.StorageMetrics.export(metrics, chunks);
        if (internalHttp) {
            InternalWiring remote = new InternalWiring(uploads, manifests, gc, TIMEOUT);
            open.push(remote);
            gateway = new Gateway(gw, vertx, new MeteredUploadService(remote.uploads(), metrics), remote.manifests(), chunks,
                    authority);
            gateway.garbageCollector(remote.gc());
            gateway.quotas(remote.gc());
        } else {
            gateway = new Gateway(gw, vertx, meteredUploads, manifests, chunks, authority);
            gateway.garbageCollector(gc);
            gateway.quotas(gc);
        }
        gateway.monitoring(metrics, health);
        gateway.inspector(inspector);
        manifests.quotas(gc);
        open.push(gateway);
        port = gateway.start();
    }

    /** RocksDB under DATA/storage, one file per chunk under DATA/files, the RADOS pool of {@link ServeConfig#rados()}, or storage nodes over HTTP. */
    private static ChunkStore openChunkStore(ServeConfig c) {
        if (c.placement() != null) {
            LOG.info("chunks on storage nodes {}, {} replicas, write quorum {}{}", c.placement().nodes(), c.placement().replicas(),
                    c.placement().writeQuorum(), c.fsync() ? " (--fsync applies to the embedded broker; set fsync: true on the nodes)" : "");
            return c.placement().open(TIMEOUT);
        }
        if (c.files()) {
            LOG.info("chunks as files under {}", c.data().resolve("files"));
            return new FileChunkStore(c.data().resolve("files"), c.fsync());
        }
        if (c.rados() == null) return new RocksChunkStore(c.data().resolve("storage"), c.fsync());
        RadosChunkStore rados = new RadosChunkStore(c.rados());
        LOG.info("chunks in {}{}", rados, c.fsync() ? " (--fsync: RADOS acknowledges once the pool's OSDs have a write; it applies to the embedded broker)" : "");
        return rados;
    }

    public int port() { return port; }

    /** The process's metrics registry ({@code GET /metrics} on the gateway). */
    public Metrics metrics() { return metrics; }

    /** Tests: stops the embedded broker (the services keep running, as with a broker that died). */
    public synchronized void stopBroker() {
        if (kafka != null) kafka.close();
        kafka = null;
    }

    /** Tests: starts the embedded broker again, on the same ports and data. */
    public synchronized void startBroker() throws IOException {
        if (kafka == null) kafka = EmbeddedKafka.start(kafkaDir, fsync);
    }

    /** The embedded broker's address. */
    public String bootstrapServers() { return bootstrapServers; }

    public UploadServiceImpl uploads() { return uploads; }

    public ManifestServiceImpl manifests() { return manifests; }

    public GcService gc() { return gc; }

    public InspectorService inspector() { return inspector; }

    /** The online scrub of committed blobs (running only when enabled). */
    public Scrubber scrubber() { return scrubber; }

    /** The chunk store, behind validation and metrics ({@link dev.strata.core.spi.ChunkStores#metrics}). */
    public dev.strata.core.spi.ChunkStore chunks() { return chunks; }

    @Override
    public void close() {
        open.close();
    }
}
