package dev.strata.core.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.strata.core.metrics.Health;
import dev.strata.core.metrics.HttpMetrics;
import dev.strata.core.metrics.Metrics;
import dev.strata.core.metrics.Monitoring;
import dev.strata.core.oci.OciError;
import dev.strata.core.oci.OciException;
import dev.strata.core.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The internal HTTP API of a service process, and its health endpoints:
 *
 * <pre>
 * POST /internal/v1/{op}   body: the operation's arguments as a JSON object (at most 8 MiB)
 *                          (the detail of an error names the {@link OciError} constant)
 *                          200 with the result as JSON; errors as the spec's {"errors":[...]} body
 *                          with the error's status (503 UNAVAILABLE when a dependency is down)
 * GET  /healthz            200 {"status":"ok","service":...} while the process runs (liveness)
 * GET  /readyz             200 when every {@link Health} check passes, else 503 (JSON: each check, ok or why not)
 * GET  /metrics            the process's {@link Metrics} in the Prometheus text format
 * </pre>
 *
 * Every request is counted in {@code metrics} by {@link HttpMetrics} with {@code server} the service
 * name and {@code route} the operation name (an unregistered one as {@code unknown_op}) or
 * healthz/readyz/metrics, with body bytes in and out. The caller's {@value #REQUEST_ID} is put in the
 * logging context while the operation runs.
 *
 * Operations run on a bounded pool of worker threads (they block). Before each operation the
 * {@code beforeOp} hook runs: services use it to await their projection up to the log end, so a
 * write acknowledged by any instance is seen by the next request on any other. Operations
 * registered with {@link #read} run the {@code beforeRead} hook instead (services: the same wait,
 * but served from the projection as applied when the log is down).
 */
public final class InternalServer implements AutoCloseable {
    public static final String PREFIX = "/internal/v1/";
    public static final String REQUEST_ID = "Strata-Request-Id";
    static final int MAX_BODY = 8 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(InternalServer.class);

    /** One operation: arguments in, a JSON-serialisable result (or null) out. */
    @FunctionalInterface
    public interface Op {
        Object call(JsonNode args) throws Exception;
    }

    private final HttpServer server;
    private final ExecutorService workers;
    private final String service;
    private final Health health;
    private final Metrics metrics;
    private final HttpMetrics http;
    private final Map<String, Op> ops = new ConcurrentHashMap<>();
    private final java.util.Set<String> reads = ConcurrentHashMap.newKeySet();
    private volatile Runnable beforeOp = () -> { };
    private volatile Runnable beforeRead = null;

    /** Binds {@code addr} (port 0 picks a free one) and starts serving, with metrics of its own. */
    public InternalServer(String service, InetSocketAddress addr, int threads, Health health) throws IOException {
        this(service, addr, threads, health, new Metrics(), null);
    }

    /**
     * Binds {@code addr} and starts serving {@code service}'s operations (none until {@link #op} adds
     * them); {@code /readyz} runs {@code health}, {@code /metrics} renders {@code metrics} (the
     * process's one registry, which also gets this server's request counters). HTTPS with {@code ssl}
     * when not null (see {@link InternalTls}).
     */
    public InternalServer(String service, InetSocketAddress addr, int threads, Health health, Metrics metrics, javax.net.ssl.SSLContext ssl)
            throws IOException {
        this.service = service;
        this.health = health;
        this.metrics = metrics;
        this.http = new HttpMetrics(metrics, service);
        this.server = InternalTls.bind(addr, 256, ssl);
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, service + "-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(workers);
        server.createContext(Monitoring.HEALTHZ, x -> respond(x, "healthz", 0, 200, "application/json",
                Json.write(Map.of("status", "ok", "service", service))));
        server.createContext(Monitoring.READYZ, this::readyz);
        server.createContext(Monitoring.METRICS, x -> respond(x, "metrics", 0, 200, Metrics.CONTENT_TYPE,
                metrics.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        server.createContext(PREFIX, this::op);
        server.start();
    }

    /** The service name: the {@code server} label of this server's request metrics. */
    public String service() {
        return service;
    }

    /** The registry /metrics renders. */
    public Metrics metrics() {
        return metrics;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Registers an operation under {@code name} ([a-z][a-zA-Z]*, e.g. uploads.append). */
    public InternalServer op(String name, Op op) {
        if (ops.putIfAbsent(name, op) != null) throw new IllegalArgumentException("operation " + name + " registered twice");
        return this;
    }

    /** Registers a read-only operation: {@code beforeRead} runs before it instead of {@code beforeOp}. */
    public InternalServer read(String name, Op op) {
        op(name, op);
        reads.add(name);
        return this;
    }

    /** Runs before every operation (e.g. awaiting the projection up to the log end); before reads too unless {@link #beforeRead} is set. */
    public InternalServer beforeOp(Runnable hook) {
        this.beforeOp = hook;
        return this;
    }

    /** Runs before every operation registered with {@link #read}. */
    public InternalServer beforeRead(Runnable hook) {
        this.beforeRead = hook;
        return this;
    }

    private void readyz(HttpExchange x) throws IOException {
        Health.Readiness r = health.readiness();
        respond(x, "readyz", 0, r.ready() ? 200 : 503, "application/json", r.json().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private void op(HttpExchange x) throws IOException {
        String name = x.getRequestURI().getPath().substring(PREFIX.length());
        Op op = ops.get(name);
        // the route label: a registered operation's name, never a client's arbitrary path
        String route = op == null ? "unknown_op" : name;
        long in = 0;
        MDC.put(HttpMetrics.REQUEST_ID_MDC, HttpMetrics.requestId(x.getRequestHeaders().getFirst(REQUEST_ID)));
        try {
            if (!x.getRequestMethod().equals("POST")) {
                respond(x, route, in, 405, "application/json", errorBody(OciError.UNSUPPORTED, "internal operations are POSTs"));
                return;
            }
            if (op == null) {
                respond(x, route, in, 404, "application/json", errorBody(OciError.UNSUPPORTED, "no internal operation " + name));
                return;
            }
            byte[] body = readBounded(x.getRequestBody());
            in = body.length;
            JsonNode args = body.length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(body);
            Runnable read = beforeRead;
            (read != null && reads.contains(name) ? read : beforeOp).run();
            Object result = op.call(args);
            respond(x, route, in, 200, "application/json", Json.write(result == null ? Json.MAPPER.nullNode() : result));
        } catch (OciException e) {
            respond(x, route, in, e.error().status(), "application/json", errorBody(e.error(), e.detail()));
        } catch (IllegalArgumentException | com.fasterxml.jackson.core.JacksonException e) {
            respond(x, route, in, 400, "application/json", errorBody(OciError.UNSUPPORTED, "bad internal request " + name + ": " + e.getMessage()));
        } catch (Exception e) {
            LOG.warn("internal operation {} (request {}) failed: {}", name, x.getRequestHeaders().getFirst(REQUEST_ID), e.toString());
            // storage or log trouble: the caller may retry or pass 503 on
            respond(x, route, in, 503, "application/json", errorBody(OciError.UNAVAILABLE, name + " failed: " + e.getMessage()));
        } finally {
            MDC.remove(HttpMetrics.REQUEST_ID_MDC);
        }
    }

    static byte[] errorBody(OciError error, String detail) {
        return Json.write(Map.of("errors", List.of(Map.of("code", error.code(),
                "message", detail == null ? error.message() : detail, "detail", Map.of("error", error.name())))));
    }

    private static byte[] readBounded(InputStream in) throws IOException {
        byte[] b = in.readNBytes(MAX_BODY + 1);
        if (b.length > MAX_BODY) throw new IllegalArgumentException("request body over " + MAX_BODY + " bytes");
        return b;
    }

    /** Answers and counts the request ({@code bytesIn}: the body bytes read before; the rest is drained uncounted). */
    private void respond(HttpExchange x, String route, long bytesIn, int status, String contentType, byte[] body) throws IOException {
        try (x) {
            x.getRequestBody().transferTo(OutputStream.nullOutputStream());
            x.getResponseHeaders().set("Content-Type", contentType);
            x.sendResponseHeaders(status, body.length);
            x.getResponseBody().write(body);
        } finally {
            http.record(route, x.getRequestMethod(), status, bytesIn, body.length);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
