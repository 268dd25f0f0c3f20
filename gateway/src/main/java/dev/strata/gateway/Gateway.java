package dev.strata.gateway;

import dev.strata.core.metrics.Health;
import dev.strata.core.metrics.HttpMetrics;
import dev.strata.core.metrics.Metrics;
import dev.strata.core.metrics.Monitoring;
import dev.strata.core.oci.Names;
import dev.strata.core.oci.OciError;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ManifestService;
import dev.strata.core.spi.UploadService;
import dev.strata.gateway.auth.Authority;
import dev.strata.gateway.auth.Caller;
import dev.strata.gateway.auth.Scope;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The OCI Distribution API (/v2/) over HTTP. Stateless apart from per-upload hash caches that any
 * other gateway can rebuild. Routes by the spec's path shapes, with the repository name taken as
 * everything before the last resource marker.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** One line per answered request (method, path, status, bytes, time, request id). */
    private static final Logger ACCESS = LoggerFactory.getLogger("strata.access");
    private static final Pattern UPLOADS = Pattern.compile("/v2/(.+)/blobs/uploads/([^/]*)");
    private static final Pattern BLOBS = Pattern.compile("/v2/(.+)/blobs/([^/]+)");
    private static final Pattern MANIFESTS = Pattern.compile("/v2/(.+)/manifests/([^/]+)");
    private static final Pattern TAGS = Pattern.compile("/v2/(.+)/tags/list");
    private static final Pattern REFERRERS = Pattern.compile("/v2/(.+)/referrers/([^/]+)");
    private static final String GC_PATH = "/strata/v1/gc";
    private static final String QUOTAS_PATH = "/strata/v1/quotas/";
    private static final Pattern TAG_HISTORY = Pattern.compile("/strata/v1/repositories/(.+)/tags/([^/]+)/(history|restore)");

    private final GatewayConfig config;
    private final Vertx vertx;
    private final Services services;
    private final BlobHandler blobs;
    private final BlobUploadHandler uploads;
    private final ManifestHandler manifests;
    private final TagsHandler tags;
    private final CatalogHandler catalog;
    private final ReferrersHandler referrers;
    private final TagHistoryHandler tagHistory;
    private final AuthLayer auth;
    private final ClientGuard guard;
    private final RequestHeadTimeout headTimeout;
    private String deployment;
    private volatile dev.strata.core.spi.GarbageCollector gc;
    private volatile dev.strata.core.spi.ImageInspector inspector;
    private final InspectHandler inspect;
    private volatile Metrics metrics = new Metrics();
    private volatile Health health = new Health();
    private volatile HttpMetrics http = new HttpMetrics(metrics, "gateway");
    private int port;

    public Gateway(GatewayConfig config, Vertx vertx, UploadService uploadService, ManifestService manifestService, ChunkStore chunks) {
        this(config, vertx, uploadService, manifestService, chunks, null);
    }

    /** With token auth when {@code authority} is not null. */
    public Gateway(GatewayConfig config, Vertx vertx, UploadService uploadService, ManifestService manifestService, ChunkStore chunks,
                   Authority authority) {
        this.config = config;
        this.vertx = vertx;
        this.services = new Services(vertx, uploadService, manifestService, chunks, config, new java.util.concurrent.atomic.AtomicReference<>(),
                authority);
        this.auth = authority == null ? null : new AuthLayer(services);
        this.blobs = new BlobHandler(services);
        this.uploads = new BlobUploadHandler(services);
        this.manifests = new ManifestHandler(services);
        this.tags = new TagsHandler(services);
        this.catalog = new CatalogHandler(services);
        this.referrers = new ReferrersHandler(services);
        this.tagHistory = new TagHistoryHandler(services);
        this.inspect = new InspectHandler(services);
        this.guard = new ClientGuard(config.limits());
        this.headTimeout = new RequestHeadTimeout(vertx, config.limits().requestHeadSeconds());
    }

    /** Binds one server per event loop on the configured address; returns the bound port. */
    public int start() {
        HttpServerOptions opts = new HttpServerOptions()
                .setHost(config.host())
                .setPort(config.port())
                .setHandle100ContinueAutomatically(true)
                .setIdleTimeout(config.idleTimeoutSeconds())
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(config.limits().maxHeaderBytes())
                .setCompressionSupported(false)
                .setTcpNoDelay(true)
                .setHttp2ClearTextEnabled(false);
        if (config.tls() != null) {
            opts.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                    .setCertPath(config.tls().certPem().toString())
                    .setKeyPath(config.tls().keyPem().toString()));
        }
        int bound = config.port() == 0 ? freePort(config.host()) : config.port();
        HttpServerOptions options = opts.setPort(bound);
        // one server per event loop, each created on its own verticle context so they share the port
        try {
            deployment = vertx.deployVerticle(() -> new VerticleBase() {
                private HttpServer server;

                @Override
                public Future<?> start() {
                    server = vertx.createHttpServer(options)
                            .connectionHandler(headTimeout::connected)
                            .requestHandler(Gateway.this::route);
                    return server.listen();
                }
            }, new DeploymentOptions().setInstances(config.eventLoops())).await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + bound + ": " + e.getMessage(), e);
        }
        port = bound;
        LOG.info("gateway listening on {}://{}:{}", config.tls() == null ? "http" : "https", config.host(), port);
        return port;
    }

    public int port() { return port; }

    /** Enforces quotas on blob commits and mounts, and enables {@code /strata/v1/quotas/<namespace>}. */
    public void quotas(dev.strata.core.spi.Quotas quotas) {
        services.quotas().set(quotas);
    }

    /** Enables the inspector API, {@code /strata/v1/repositories/<name>/manifests/<ref>/...} (see InspectHandler). */
    public void inspector(dev.strata.core.spi.ImageInspector inspector) {
        this.inspector = inspector;
    }

    /** Enables {@code POST /strata/v1/gc[?dry-run=true]}: a GC pass on demand. */
    public void garbageCollector(dev.strata.core.spi.GarbageCollector gc) {
        this.gc = gc;
    }

    /**
     * Serves {@code /metrics} from {@code metrics} and {@code /readyz} from {@code health} (by
     * default a registry and checks of the gateway's own), and records the request metrics there.
     * Call before {@link #start}.
     */
    public void monitoring(Metrics metrics, Health health) {
        this.metrics = metrics;
        this.health = health;
        this.http = new HttpMetrics(metrics, "gateway");
    }

    private static int freePort(String host) {
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName(host))) {
            return ss.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("no free port on " + host + ": " + e.getMessage(), e);
        }
    }

    void route(HttpServerRequest req) {
        String requestId = HttpMetrics.requestId(req.getHeader(HttpMetrics.REQUEST_ID_HEADER));
        String path = req.path();
        String route = routeOf(path);
        long started = System.nanoTime();
        Runnable headDone = headTimeout.requestStarted(req);
        Runnable[] release = {() -> { }};
        boolean[] done = {false};
        Runnable finished = () -> {
            headDone.run();
            release[0].run();
            if (done[0]) return;
            done[0] = true;
            finished(req, route, requestId, started);
        };
        req.response().endHandler(v -> finished.run());
        req.response().closeHandler(v -> finished.run());
        req.response().putHeader(HttpMetrics.REQUEST_ID_HEADER, requestId);
        if (Monitoring.isMonitoringPath(path)) {
            // probes and scrapes: never rate-limited, never behind auth
            monitor(req, path);
            return;
        }
        req.response().putHeader(Http.API_VERSION, "registry/2.0");
        boolean body = hasBody(req);
        if (body) req.pause();
        MDC.put(HttpMetrics.REQUEST_ID_MDC, requestId);
        try {
            guard.admit(req);
            if (body && req.path().contains("/blobs/uploads/")) release[0] = guard.startUpload(req);
            dispatch(req);
        } catch (Throwable t) {
            Http.fail(req, t);
        } finally {
            MDC.remove(HttpMetrics.REQUEST_ID_MDC);
        }
    }

    /** Counts the request and writes its access-log line (logger {@code strata.access}). */
    private void finished(HttpServerRequest req, String route, String requestId, long started) {
        int status = req.response().getStatusCode();
        long in = req.bytesRead();
        long out = req.response().bytesWritten();
        http.record(route, req.method().name(), status, in, out);
        if (!ACCESS.isInfoEnabled()) return;
        long ms = (System.nanoTime() - started) / 1_000_000;
        String path = truncate(req.path());
        ACCESS.atInfo()
                .addKeyValue(HttpMetrics.REQUEST_ID_MDC, requestId)
                .addKeyValue("method", req.method().name())
                .addKeyValue("path", path)
                .addKeyValue("route", route)
                .addKeyValue("status", status)
                .addKeyValue("bytesIn", in)
                .addKeyValue("bytesOut", out)
                .addKeyValue("durationMs", ms)
                .addKeyValue("client", req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress())
                .log("{} {} {} {} ms", req.method(), path, status, ms);
    }

    /** GET /healthz, /readyz, /metrics (HEAD too). The checks and gauges may block: off the event loop. */
    private void monitor(HttpServerRequest req, String path) {
        HttpMethod m = req.method();
        if (m != HttpMethod.GET && m != HttpMethod.HEAD) {
            req.response().setStatusCode(405).putHeader("Allow", "GET, HEAD").end();
            return;
        }
        if (path.equals(Monitoring.HEALTHZ)) {
            plain(req, 200, "application/json", "{\"status\":\"ok\"}");
            return;
        }
        Metrics mx = metrics;
        Health h = health;
        services.blocking(() -> path.equals(Monitoring.METRICS) ? mx.scrape() : h.readiness()).onComplete(r -> {
            if (r.failed()) {
                plain(req, 503, "text/plain; charset=utf-8", "unavailable: " + r.cause().getMessage() + "\n");
            } else if (r.result() instanceof Health.Readiness ready) {
                plain(req, ready.ready() ? 200 : 503, "application/json", ready.json());
            } else {
                plain(req, 200, Metrics.CONTENT_TYPE, (String) r.result());
            }
        });
    }

    private static void plain(HttpServerRequest req, int status, String contentType, String body) {
        Buffer b = Buffer.buffer(body);
        req.response().setStatusCode(status).putHeader("Content-Type", contentType)
                .putHeader("Content-Length", Integer.toString(b.length()));
        if (req.method() == HttpMethod.HEAD) req.response().end();
        else req.response().end(b);
    }

    /**
     * The route label of a path: a fixed vocabulary, so metrics have a bounded number of series.
     * Plain string tests (no regular expressions): this runs on every request.
     */
    static String routeOf(String path) {
        if (!path.startsWith("/v2/")) {
            if (Monitoring.isMonitoringPath(path)) return path.substring(1);
            if (path.equals("/v2")) return "base";
            if (path.equals(AuthLayer.TOKEN_PATH)) return "token";
            if (path.equals(GC_PATH)) return "gc";
            if (path.startsWith(QUOTAS_PATH)) return "quotas";
            if (path.startsWith("/strata/v1/repositories/")) return path.contains("/tags/") ? "tag_history" : "inspect";
            return "unknown";
        }
        if (path.length() == 4) return "base";
        if (path.equals("/v2/_catalog")) return "catalog";
        if (path.endsWith("/tags/list")) return "tags";
        if (path.contains("/blobs/uploads/")) return "blob_uploads";
        // the repository name may itself contain these words: the last marker decides
        int manifests = path.lastIndexOf("/manifests/");
        int blobs = path.lastIndexOf("/blobs/");
        int referrers = path.lastIndexOf("/referrers/");
        int last = Math.max(manifests, Math.max(blobs, referrers));
        if (last < 0) return "unknown";
        return last == manifests ? "manifests" : last == blobs ? "blobs" : "referrers";
    }

    static boolean hasBody(HttpServerRequest req) {
        String cl = req.getHeader("Content-Length");
        if (cl != null) return !cl.trim().equals("0");
        return req.getHeader("Transfer-Encoding") != null;
    }

    private void dispatch(HttpServerRequest req) {
        String path = req.path();
        if (auth != null && path.equals(AuthLayer.TOKEN_PATH)) {
            auth.token(req);
            return;
        }
        if (path.equals("/v2/") || path.equals("/v2")) {
            if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) throw OciError.UNSUPPORTED.exception("only GET on /v2/");
            authorize(req, null, null);
            req.response().putHeader("Content-Type", "application/json").putHeader("Content-Length", "2");
            if (req.method() == HttpMethod.HEAD) req.response().end();
            else req.response().end(Buffer.buffer("{}"));
            return;
        }
        if (path.equals("/v2/_catalog")) {
            catalog.handle(new ApiRequest(req, null, "", authorize(req, null, null)));
            return;
        }
        if (path.equals(GC_PATH) && gc != null) {
            if (auth != null) auth.authorizeAdmin(req, "gc");
            collect(req);
            return;
        }
        if (path.startsWith(QUOTAS_PATH) && services.quotas().get() != null) {
            quota(req, path.substring(QUOTAS_PATH.length()), auth == null ? null : auth.authorizeAdmin(req, "quotas"));
            return;
        }
        Matcher strata = TAG_HISTORY.matcher(path);
        if (strata.matches()) {
            // reading a tag's history is a pull; restoring it moves the tag, a push
            String action = req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD ? Scope.PULL : Scope.PUSH;
            tagHistory.handle(api(req, strata.group(1), "", action), strata.group(2), strata.group(3));
            return;
        }
        Matcher inspected = InspectHandler.ROUTE.matcher(path);
        if (inspected.matches() && inspector != null) {
            // looking inside an image reads what a pull would: the pull grant
            inspect.handle(api(req, inspected.group(1), "", Scope.PULL), inspector, inspected.group(2), inspected.group(3));
            return;
        }
        if (!path.startsWith("/v2/")) throw OciError.ROUTE_UNKNOWN.exception("no such endpoint: " + truncate(path));
        HttpMethod method = req.method();
        boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
        String writeOrDelete = method == HttpMethod.DELETE ? Scope.DELETE : Scope.PUSH;
        Matcher m;
        if ((m = TAGS.matcher(path)).matches()) tags.handle(api(req, m, null, Scope.PULL));
        else if ((m = UPLOADS.matcher(path)).matches()) uploads.handle(api(req, m, m.group(2), Scope.PUSH));
        else if ((m = BLOBS.matcher(path)).matches()) blobs.handle(api(req, m, m.group(2), read ? Scope.PULL : writeOrDelete));
        else if ((m = MANIFESTS.matcher(path)).matches()) manifests.handle(api(req, m, m.group(2), read ? Scope.PULL : writeOrDelete));
        else if ((m = REFERRERS.matcher(path)).matches()) referrers.handle(api(req, m, m.group(2), Scope.PULL));
        else throw OciError.ROUTE_UNKNOWN.exception("no such endpoint: " + truncate(path));
    }

    /** GET (quota and usage), PUT ?bytes=N (set), DELETE (remove) of a namespace's quota. */
    private void quota(HttpServerRequest req, String namespace, Caller caller) {
        dev.strata.core.spi.Quotas q = services.quotas().get();
        Names.repository(namespace);
        if (!q.namespaces().isNamespace(namespace)) {
            throw OciError.NAME_INVALID.exception("'" + namespace + "' is not a namespace: a name without '/' or a configured namespace prefix");
        }
        HttpMethod m = req.method();
        long bytes;
        if (m == HttpMethod.GET) {
            bytes = Long.MIN_VALUE;
        } else if (m == HttpMethod.PUT) {
            String b = req.getParam("bytes");
            try {
                bytes = Long.parseLong(b == null ? "" : b);
            } catch (NumberFormatException e) {
                throw OciError.SIZE_INVALID.exception("PUT needs ?bytes=N, a whole number of bytes");
            }
            if (bytes < 0) throw OciError.SIZE_INVALID.exception("a quota is a non-negative number of bytes");
        } else if (m == HttpMethod.DELETE) {
            bytes = -1;
        } else {
            throw OciError.UNSUPPORTED.exception(m + " is not supported on quotas");
        }
        long set = bytes;
        services.blocking(() -> {
            if (set != Long.MIN_VALUE) q.set(namespace, set, Http.actor(req, caller));
            return q.quota(namespace);
        }).onSuccess(quota -> {
            java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("namespace", quota.namespace());
            body.put("quota", quota.limit() < 0 ? null : quota.limit());
            body.put("usage", quota.usage());
            Http.json(req.response(), 200, "application/json", body);
        }).onFailure(t -> Http.fail(req, t));
        req.resume();
    }

    private void collect(HttpServerRequest req) {
        if (req.method() != HttpMethod.POST) throw OciError.UNSUPPORTED.exception("POST to run a GC pass");
        boolean dryRun = "true".equals(req.getParam("dry-run"));
        services.blocking(() -> gc.collect(dryRun)).onSuccess(list -> {
            java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("dryRun", dryRun);
            body.put("blobs", list.stream().filter(c -> !c.isManifest() && !c.isOrphanChunk()).count());
            body.put("bytes", list.stream().filter(c -> !c.isManifest()).mapToLong(dev.strata.core.spi.GarbageCollector.Collected::size).sum());
            body.put("manifests", list.stream().filter(dev.strata.core.spi.GarbageCollector.Collected::isManifest).count());
            body.put("orphanChunks", list.stream().filter(dev.strata.core.spi.GarbageCollector.Collected::isOrphanChunk).count());
            body.put("collected", list);
            Http.json(req.response(), 200, "application/json", body);
        }).onFailure(t -> Http.fail(req, t));
        req.resume();
    }

    private Caller authorize(HttpServerRequest req, String name, String action) {
        return auth == null ? Caller.UNRESTRICTED : auth.authorize(req, name, action);
    }

    /** Validates the name (grammar and configured length), then checks the caller may do {@code action} on it. */
    private ApiRequest api(HttpServerRequest req, Matcher m, String tail, String action) {
        return api(req, m.group(1), tail, action);
    }

    private ApiRequest api(HttpServerRequest req, String name, String tail, String action) {
        int max = config.limits().maxNameLength();
        if (name.length() > max) throw OciError.NAME_INVALID.exception("repository name longer than " + max + " characters");
        Names.repository(name);
        return new ApiRequest(req, name, tail == null ? "" : tail, authorize(req, name, action));
    }

    private static String truncate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    @Override
    public void close() {
        if (deployment == null) return;
        try {
            vertx.undeploy(deployment).await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("gateway stop: {}", e.toString());
        }
        deployment = null;
    }
}
