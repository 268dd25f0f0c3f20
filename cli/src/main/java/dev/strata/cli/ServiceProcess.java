package dev.strata.cli;

import dev.strata.core.log.EventLog;
import dev.strata.core.log.LogConfig;
import dev.strata.core.log.Projection;
import dev.strata.core.metrics.Health;
import dev.strata.core.metrics.JvmMetrics;
import dev.strata.core.metrics.MeteredUploadService;
import dev.strata.core.metrics.Metrics;
import dev.strata.core.metrics.ProjectionMonitor;
import dev.strata.core.rpc.InternalClient;
import dev.strata.core.rpc.InternalServer;
import dev.strata.core.rpc.RemoteGc;
import dev.strata.core.rpc.RemoteManifestService;
import dev.strata.core.rpc.RemoteUploadService;
import dev.strata.core.spi.ChunkStore;
import dev.strata.gateway.Gateway;
import dev.strata.gateway.GatewayConfig;
import dev.strata.gateway.auth.Authority;
import dev.strata.gc.GcService;
import dev.strata.manifest.ManifestServiceImpl;
import dev.strata.storage.RocksKvStore;
import dev.strata.storage.StorageMetrics;
import dev.strata.upload.UploadServiceImpl;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service as its own process: the same service classes as {@code strata serve}, wired to an
 * external Kafka, storage nodes over HTTP, and the other services through their internal HTTP APIs
 * ({@link RemoteUploadService}, {@link RemoteManifestService}, {@link RemoteGc}) instead of in-process
 * calls. Each serves /healthz, /readyz and /metrics (one {@link Metrics} registry and one
 * {@link Health} per process: request counters by operation, projection lag, JVM gauges, and per
 * service upload sessions or GC progress and storage usage). Closing stops everything in reverse order.
 */
final class ServiceProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceProcess.class);
    /** How long the gateway's /readyz waits for the services' (each answers from sampled state, at once). */
    static final Duration READY_PROBE = Duration.ofMillis(750);
    private final Closer open = new Closer();
    private int port;
    private int adminPort;

    private ServiceProcess() {}

    int port() { return port; }

    /** The port of /healthz and /readyz (the gateway's admin port; the internal API's port otherwise). */
    int adminPort() { return adminPort; }

    private <T extends AutoCloseable> T keep(T c) {
        open.push(c);
        return c;
    }

    private static ServiceProcess boot(Starter s) throws Exception {
        ServiceProcess p = new ServiceProcess();
        try {
            s.start(p);
            return p;
        } catch (Exception | Error e) {
            p.close();
            throw e;
        }
    }

    private interface Starter {
        void start(ServiceProcess p) throws Exception;
    }

    /**
     * Creates the topics if missing, waiting for Kafka (any start order): retries every few seconds,
     * logging why, until {@code startup} has passed.
     */
    static void awaitKafka(LogConfig log, Duration startup) {
        long end = System.nanoTime() + startup.toNanos();
        for (int attempt = 1; ; attempt++) {
            try {
                EventLog.ensureTopics(log, Duration.ofSeconds(10));
                if (attempt > 1) LOG.info("Kafka at {} is reachable; topics ready", log.bootstrapServers());
                return;
            } catch (IllegalStateException e) {
                if (System.nanoTime() > end) {
                    throw new IllegalStateException("Kafka at " + log.bootstrapServers() + " not reachable within " + startup.toSeconds() + " s: " + e.getMessage(), e);
                }
                LOG.warn("waiting for Kafka at {} (attempt {}): {}", log.bootstrapServers(), attempt, firstLine(e.getMessage()));
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for Kafka", ie);
                }
            }
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * What the upload-, manifest- and gc-service processes share, opened in this order: Kafka awaited
     * (topics created), the chunk store, the projection's RocksDB, the event log, and the process's
     * metrics registry (with JVM gauges) and readiness checks.
     */
    private record Base(ProcessConfig.Common common, javax.net.ssl.SSLContext ssl, ChunkStore chunks, RocksKvStore kv, EventLog events,
                        Metrics metrics, Health health) {}

    private Base base(ProcessConfig.Common common, ProcessConfig.Kafka kafka, ProcessConfig.Storage storage, java.nio.file.Path data) {
        javax.net.ssl.SSLContext ssl = common.tls() == null ? null : common.tls().client();
        LogConfig log = kafka.log();
        awaitKafka(log, common.startupTimeout());
        ChunkStore chunks = keep(chunkStore(storage, common.requestTimeout(), ssl));
        RocksKvStore kv = keep(new RocksKvStore(data));
        EventLog events = keep(new EventLog(log));
        Metrics metrics = new Metrics();
        JvmMetrics.register(metrics);
        StorageMetrics.export(metrics, chunks);
        return new Base(common, ssl, chunks, kv, events, metrics, new Health());
    }

    /**
     * Serves {@code service}'s internal API: ready when {@code projection} runs and is caught up
     * ({@link ProjectionMonitor}, which also exports its lag), and every operation first awaits the
     * projection up to the log end (reads: served as applied while the log is down).
     */
    private InternalServer serve(String service, Base b, Projection projection) throws IOException {
        keep(new ProjectionMonitor(b.metrics(), b.health(), Clock.systemUTC())).watch(projection);
        ProcessConfig.Common c = b.common();
        InternalServer s = keep(new InternalServer(service, new InetSocketAddress(ProcessConfig.host(c.listen()), ProcessConfig.port(c.listen())),
                c.threads(), b.health(), b.metrics(), c.tls() == null ? null : c.tls().server()));
        port = s.port();
        adminPort = port;
        s.beforeOp(() -> projection.awaitLogEnd(c.requestTimeout()))
                .beforeRead(() -> projection.awaitLogEndOrServeApplied(c.requestTimeout()));
        return s;
    }

    private static InternalClient client(String service, List<String> urls, Duration timeout, javax.net.ssl.SSLContext ssl) {
        return new InternalClient(service, urls, timeout, timeout.multipliedBy(2), ssl);
    }

    static ServiceProcess upload(ProcessConfig.UploadService c) throws Exception {
        return boot(p -> {
            Base b = p.base(c.common(), c.kafka(), c.storage(), c.data());
            UploadServiceImpl uploads = p.keep(new UploadServiceImpl(b.events(), b.kv(), b.chunks(), Clock.systemUTC(), b.common().requestTimeout()));
            uploads.start();
            RemoteUploadService.bind(p.serve("upload-service", b, uploads.projection()), new MeteredUploadService(uploads, b.metrics()));
        });
    }

    static ServiceProcess manifest(ProcessConfig.ManifestService c) throws Exception {
        return boot(p -> {
            Base b = p.base(c.common(), c.kafka(), c.storage(), c.data());
            Duration timeout = b.common().requestTimeout();
            RemoteUploadService uploads = new RemoteUploadService(client("upload-service", c.uploadServices(), timeout, b.ssl()));
            ManifestServiceImpl manifests = p.keep(new ManifestServiceImpl(b.events(), b.kv(), b.chunks(), uploads, Clock.systemUTC(),
                    timeout, 4 << 20, 64L << 20, c.window()));
            RemoteGc gc = c.gcServices().isEmpty() ? null : new RemoteGc(client("gc-service", c.gcServices(), timeout, b.ssl()));
            if (gc != null) manifests.quotas(gc);
            manifests.deleteReferrers(c.deleteReferrers());
            manifests.start();
            InternalServer server = p.serve("manifest-service", b, manifests.projection());
            RemoteManifestService.bind(server, manifests);
            // retention: the gc-service asks for a delete, and is asked back under the repository's lock whether it is still due
            if (gc != null) RemoteManifestService.bindRetention(server, (repo, digest) -> manifests.removeIf(repo, digest,
                    () -> gc.manifestStillDue(repo, digest)));
        });
    }

    static ServiceProcess gc(ProcessConfig.GcService c) throws Exception {
        return boot(p -> {
            Base b = p.base(c.common(), c.kafka(), c.storage(), c.data());
            Duration timeout = b.common().requestTimeout();
            RemoteUploadService uploads = new RemoteUploadService(client("upload-service", c.uploadServices(), timeout, b.ssl()));
            RemoteManifestService manifests = c.manifestServices().isEmpty() ? null
                    : new RemoteManifestService(client("manifest-service", c.manifestServices(), timeout, b.ssl()));
            // across processes there is no shared lock: the fence is the manifest-service's validation window, plus the
            // longest an append checked within it may take to reach the log (metadata, then delivery: one producer bound
            // each); retention deletes through the manifest-service, which asks back (gc.manifestStillDue) under the
            // repository's lock
            Duration fenceWait = c.window().plus(b.events().config().timeout().multipliedBy(2));
            GcService gc = p.keep(GcWiring.start(b.events(), b.kv(), b.chunks(), Clock.systemUTC(), c.gc(), timeout,
                    new GcWiring.Peers(Runnable::run, position -> { }, fenceWait, uploads::expireIdle,
                            manifests == null ? null : (repo, digest, stillDue) -> manifests.removeIfDue(repo, digest)), b.metrics()));
            InternalServer server = p.serve("gc-service", b, gc.projection());
            RemoteGc.bind(server, gc, gc);
            RemoteGc.bindRetention(server, gc::manifestStillDue);
        });
    }

    static ServiceProcess gateway(ProcessConfig.Gateway c) throws Exception {
        return boot(p -> {
            Duration timeout = c.timeout();
            javax.net.ssl.SSLContext ssl = c.internalTls() == null ? null : c.internalTls().client();
            ChunkStore chunks = p.keep(chunkStore(c.storage(), timeout, ssl));
            InternalClient uploadClient = client("upload-service", c.uploadServices(), timeout, ssl);
            InternalClient manifestClient = client("manifest-service", c.manifestServices(), timeout, ssl);
            RemoteUploadService uploads = new RemoteUploadService(uploadClient);
            RemoteManifestService manifests = new RemoteManifestService(manifestClient);
            GatewayConfig gw = GatewayConfig.defaults(ProcessConfig.host(c.listen()), ProcessConfig.port(c.listen()));
            if (c.eventLoops() != null) {
                gw = new GatewayConfig(gw.host(), gw.port(), gw.chunkBytes(), gw.maxManifestBytes(), gw.maxBlobBytes(), gw.maxPageSize(),
                        c.eventLoops(), gw.idleTimeoutSeconds(), gw.limits(), gw.tls());
            }
            if (c.tlsCert() != null) gw = gw.withTls(new GatewayConfig.Tls(c.tlsCert(), c.tlsKey()));
            gw = gw.withUploadHold(c.holdInterval());
            Authority authority = c.auth() == null ? null : Authority.load(c.auth(), Clock.systemUTC());
            Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(gw.eventLoops()).setWorkerPoolSize(64));
            p.keep(() -> vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS));
            Gateway gateway = new Gateway(gw, vertx, uploads, manifests, chunks, authority);
            Metrics metrics = new Metrics();
            JvmMetrics.register(metrics);
            StorageMetrics.export(metrics, chunks);
            // ready when some instance of each service is ready (their own /readyz, answered from sampled state)
            Health health = new Health()
                    .check("upload-service", () -> uploadClient.notReady(READY_PROBE))
                    .check("manifest-service", () -> manifestClient.notReady(READY_PROBE));
            gateway.monitoring(metrics, health);
            if (!c.gcServices().isEmpty()) {
                RemoteGc gc = new RemoteGc(client("gc-service", c.gcServices(), timeout, ssl));
                gateway.garbageCollector(gc);
                gateway.quotas(gc);
            }
            p.keep(gateway);
            p.port = gateway.start();
            // the admin port: the same checks and registry as the OCI port's /readyz and /metrics
            InternalServer admin = p.keep(new InternalServer("gateway-admin", new InetSocketAddress(ProcessConfig.host(c.adminListen()),
                    ProcessConfig.port(c.adminListen())), 4, health, metrics,
                    c.internalTls() == null ? null : c.internalTls().server()));
            p.adminPort = admin.port();
        });
    }

    /** The storage nodes of {@code storage}, behind the same validation and metrics decorators as under {@code serve}. */
    private static ChunkStore chunkStore(ProcessConfig.Storage storage, java.time.Duration timeout, javax.net.ssl.SSLContext ssl) {
        return dev.strata.core.spi.ChunkStores.decorate(storage.placement().open(timeout, ssl));
    }

    @Override
    public void close() {
        open.close();
    }
}
