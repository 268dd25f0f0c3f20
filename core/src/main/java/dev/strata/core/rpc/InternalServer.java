package dev.strata.core.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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

/**
 * The internal HTTP API of a service process, and its health endpoints:
 *
 * <pre>
 * POST /internal/v1/{op}   body: the operation's arguments as a JSON object (at most 8 MiB)
 *                          (the detail of an error names the {@link OciError} constant)
 *                          200 with the result as JSON; errors as the spec's {"errors":[...]} body
 *                          with the error's status (503 UNAVAILABLE when a dependency is down)
 * GET  /healthz            200 {"status":"ok","service":...} while the process runs (liveness)
 * GET  /readyz             200 when every readiness check passes, else 503 with the failures
 * </pre>
 *
 * Operations run on a bounded pool of worker threads (they block). Before each operation the
 * {@code beforeOp} hook runs: services use it to await their projection up to the log end, so a
 * write acknowledged by any instance is seen by the next request on any other.
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
    private final Health health;
    private final Map<String, Op> ops = new ConcurrentHashMap<>();
    private volatile Runnable beforeOp = () -> { };

    /** Binds {@code addr} (port 0 picks a free one) and starts serving. */
    public InternalServer(InetSocketAddress addr, int threads, Health health) throws IOException {
        this(addr, threads, health, null);
    }

    /** As above; serves HTTPS with {@code ssl} when not null (see {@link InternalTls}). */
    public InternalServer(InetSocketAddress addr, int threads, Health health, javax.net.ssl.SSLContext ssl) throws IOException {
        this.health = health;
        this.server = InternalTls.bind(addr, 256, ssl);
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, health.service() + "-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(workers);
        server.createContext("/healthz", x -> respond(x, 200, Json.write(Map.of("status", "ok", "service", health.service()))));
        server.createContext("/readyz", this::readyz);
        server.createContext(PREFIX, this::op);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Registers an operation under {@code name} ([a-z][a-zA-Z]*, e.g. uploads.append). */
    public InternalServer op(String name, Op op) {
        if (ops.putIfAbsent(name, op) != null) throw new IllegalArgumentException("operation " + name + " registered twice");
        return this;
    }

    /** Runs before every operation (e.g. awaiting the projection up to the log end). */
    public InternalServer beforeOp(Runnable hook) {
        this.beforeOp = hook;
        return this;
    }

    private void readyz(HttpExchange x) throws IOException {
        Map<String, String> failures = health.failures();
        respond(x, failures.isEmpty() ? 200 : 503, Json.write(Map.of("status", failures.isEmpty() ? "ready" : "not ready",
                "service", health.service(), "failures", failures)));
    }

    private void op(HttpExchange x) throws IOException {
        String name = x.getRequestURI().getPath().substring(PREFIX.length());
        try {
            if (!x.getRequestMethod().equals("POST")) {
                respond(x, 405, errorBody(OciError.UNSUPPORTED, "internal operations are POSTs"));
                return;
            }
            Op op = ops.get(name);
            if (op == null) {
                respond(x, 404, errorBody(OciError.UNSUPPORTED, "no internal operation " + name));
                return;
            }
            byte[] body = readBounded(x.getRequestBody());
            JsonNode args = body.length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(body);
            beforeOp.run();
            Object result = op.call(args);
            respond(x, 200, Json.write(result == null ? Json.MAPPER.nullNode() : result));
        } catch (OciException e) {
            respond(x, e.error().status(), errorBody(e.error(), e.detail()));
        } catch (IllegalArgumentException | com.fasterxml.jackson.core.JacksonException e) {
            respond(x, 400, errorBody(OciError.UNSUPPORTED, "bad internal request " + name + ": " + e.getMessage()));
        } catch (Exception e) {
            LOG.warn("internal operation {} (request {}) failed: {}", name, x.getRequestHeaders().getFirst(REQUEST_ID), e.toString());
            // storage or log trouble: the caller may retry or pass 503 on
            respond(x, 503, errorBody(OciError.UNAVAILABLE, name + " failed: " + e.getMessage()));
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

    private static void respond(HttpExchange x, int status, byte[] body) throws IOException {
        try (x) {
            x.getRequestBody().transferTo(OutputStream.nullOutputStream());
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.sendResponseHeaders(status, body.length);
            x.getResponseBody().write(body);
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
