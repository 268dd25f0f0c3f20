package dev.strata.storage;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ChunkStore.ChunkNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import dev.strata.core.metrics.Health;
import dev.strata.core.metrics.HttpMetrics;
import dev.strata.core.metrics.Metrics;
import dev.strata.core.metrics.Monitoring;

/**
 * The storage node's HTTP chunk API over any {@link ChunkStore}. Every response carries the node's
 * id in {@value #NODE_ID_HEADER}.
 *
 * <pre>
 * PUT    /chunks/{id}             body = the chunk (at most 64 MiB)     201; 400 bad id; 413 too large
 * GET    /chunks/{id}             Range: bytes=A-B or bytes=A- (one)   200 / 206; 404; 416
 * HEAD   /chunks/{id}             Content-Length = the chunk's size     200; 404
 * DELETE /chunks/{id}                                                   204; 404 when absent
 * GET    /chunks?after=ID&amp;limit=N  ids in ascending order, one a line   200 (text/plain)
 * GET    /healthz                 {"status":"ok","nodeId":"..."}        200 (liveness)
 * GET    /readyz                  {"status":"ready",...}                 200; 503 when a check fails (the store answers a stat)
 * GET    /metrics                 Prometheus text format                 200
 * </pre>
 *
 * Errors have a one-line text body. Requests run on a bounded pool of worker threads, because
 * the store's calls block.
 */
public final class StorageNodeServer implements AutoCloseable {
    public static final String NODE_ID_HEADER = "Strata-Node-Id";
    static final int MAX_LIST_LIMIT = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(StorageNodeServer.class);
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d{1,18})-(\\d{0,18})");

    /** Answers with {@code Connection: close}, so the server closes the connection after the exchange. */
    public static final com.sun.net.httpserver.Filter CLOSE_AFTER_EXCHANGE = com.sun.net.httpserver.Filter.beforeHandler(
            "Connection: close", x -> x.getResponseHeaders().set("Connection", "close"));

    private final ChunkStore store;
    private final String nodeId;
    private final HttpServer server;
    private final ExecutorService workers;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final Metrics metrics;
    private final Health health;
    private final HttpMetrics http;

    /** Binds {@code addr} (port 0 picks a free one) and starts serving, with metrics and checks of its own. */
    public StorageNodeServer(ChunkStore store, String nodeId, InetSocketAddress addr, int threads) throws IOException {
        this(store, nodeId, addr, threads, new Metrics(), new Health());
    }

    /**
     * Binds {@code addr} and starts serving; {@code /metrics} renders {@code metrics} and
     * {@code /readyz} runs {@code health} plus a check that the store answers a stat.
     */
    public StorageNodeServer(ChunkStore store, String nodeId, InetSocketAddress addr, int threads, Metrics metrics, Health health)
            throws IOException {
        this(store, nodeId, addr, threads, metrics, health, null);
    }

    /** As above; serves HTTPS with {@code ssl} when not null (see {@link dev.strata.core.rpc.InternalTls}). */
    public StorageNodeServer(ChunkStore store, String nodeId, InetSocketAddress addr, int threads, Metrics metrics, Health health,
                             javax.net.ssl.SSLContext ssl) throws IOException {
        if (nodeId == null || !ChunkStore.ID.matcher(nodeId).matches()) throw new IllegalArgumentException("node id must match " + ChunkStore.ID + ", got " + nodeId);
        this.store = store;
        this.nodeId = nodeId;
        this.server = dev.strata.core.rpc.InternalTls.bind(addr, 128, ssl);
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "storage-node-http");
            t.setDaemon(true);
            return t;
        });
        this.metrics = metrics;
        this.health = health.check("store", () -> {
            store.size(READINESS_PROBE_ID); // a stat of an id nobody writes: answers -1 when the store works
            return null;
        });
        this.http = new HttpMetrics(metrics, "storage-node");
        server.setExecutor(workers);
        // one exchange per connection: with keep-alive, the JDK server left some requests on reused
        // connections unread under parallel load (CLOSE-WAIT sockets, clients waiting until their
        // timeout); a new loopback or LAN connection per chunk costs little next to the chunk
        server.createContext("/chunks", x -> recorded(x, this::chunks)).getFilters().add(CLOSE_AFTER_EXCHANGE);
        server.createContext(Monitoring.HEALTHZ, x -> recorded(x, this::healthz)).getFilters().add(CLOSE_AFTER_EXCHANGE);
        server.createContext(Monitoring.READYZ, x -> recorded(x, this::monitor)).getFilters().add(CLOSE_AFTER_EXCHANGE);
        server.createContext(Monitoring.METRICS, x -> recorded(x, this::monitor)).getFilters().add(CLOSE_AFTER_EXCHANGE);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** A chunk id no client writes; its stat is the readiness probe of the store. */
    static final String READINESS_PROBE_ID = "strata-readiness-probe";
    /** Body bytes in and out of the request this worker thread handles (exchange attributes are per context, not per request). */
    private static final ThreadLocal<long[]> BYTES = ThreadLocal.withInitial(() -> new long[2]);

    private interface Handler {
        void handle(HttpExchange x) throws IOException;
    }

    /** Runs a handler with the request id set, then counts the request by route and status. */
    private void recorded(HttpExchange x, Handler h) throws IOException {
        String requestId = HttpMetrics.requestId(x.getRequestHeaders().getFirst(HttpMetrics.REQUEST_ID_HEADER));
        x.getResponseHeaders().set(HttpMetrics.REQUEST_ID_HEADER, requestId);
        MDC.put(HttpMetrics.REQUEST_ID_MDC, requestId);
        long[] bytes = BYTES.get();
        bytes[0] = 0;
        bytes[1] = 0;
        try {
            h.handle(x);
        } finally {
            MDC.remove(HttpMetrics.REQUEST_ID_MDC);
            // the route is the context (a fixed set), never the client's path
            String context = x.getHttpContext().getPath();
            String route = !context.equals("/chunks") ? context.substring(1)
                    : x.getRequestURI().getRawPath().startsWith("/chunks/") ? "chunk" : "chunk_list";
            http.record(route, x.getRequestMethod(), x.getResponseCode(), bytes[0], bytes[1]);
        }
    }

    /** GET /readyz (the checks, 200 or 503) and GET /metrics (the text format). */
    private void monitor(HttpExchange x) throws IOException {
        try {
            drain(x);
            if (!x.getRequestMethod().equals("GET") && !x.getRequestMethod().equals("HEAD")) {
                text(x, 405, "method not allowed");
                return;
            }
            if (x.getRequestURI().getPath().equals(Monitoring.READYZ)) {
                Health.Readiness r = health.readiness();
                x.getResponseHeaders().set("Content-Type", "application/json");
                send(x, r.ready() ? 200 : 503, r.json().getBytes(StandardCharsets.UTF_8));
            } else {
                x.getResponseHeaders().set("Content-Type", Metrics.CONTENT_TYPE);
                send(x, 200, metrics.scrape().getBytes(StandardCharsets.UTF_8));
            }
        } finally {
            x.close();
        }
    }

    public String nodeId() {
        return nodeId;
    }

    private void healthz(HttpExchange x) throws IOException {
        try {
            drain(x);
            if (!x.getRequestMethod().equals("GET") && !x.getRequestMethod().equals("HEAD")) {
                text(x, 405, "method not allowed");
                return;
            }
            x.getResponseHeaders().set("Content-Type", "application/json");
            send(x, 200, ("{\"status\":\"ok\",\"nodeId\":\"" + nodeId + "\"}").getBytes(StandardCharsets.UTF_8));
        } finally {
            x.close();
        }
    }

    private void chunks(HttpExchange x) throws IOException {
        try {
            String path = x.getRequestURI().getRawPath();
            String method = x.getRequestMethod();
            try {
                if (path.equals("/chunks") || path.equals("/chunks/")) {
                    drain(x);
                    if (!method.equals("GET")) text(x, 405, "method not allowed on /chunks");
                    else list(x);
                    return;
                }
                if (!path.startsWith("/chunks/")) {
                    drain(x);
                    text(x, 404, "no such resource: " + path);
                    return;
                }
                String id = path.substring("/chunks/".length());
                if (!ChunkStore.ID.matcher(id).matches()) {
                    drain(x);
                    text(x, 400, "invalid chunk id");
                    return;
                }
                switch (method) {
                    case "PUT" -> put(x, id);
                    case "GET", "HEAD" -> {
                        drain(x);
                        get(x, id, method.equals("HEAD"));
                    }
                    case "DELETE" -> {
                        drain(x);
                        if (store.delete(id)) send(x, 204, null);
                        else text(x, 404, "chunk not found: " + id);
                    }
                    default -> {
                        drain(x);
                        text(x, 405, "method not allowed: " + method);
                    }
                }
            } catch (ChunkNotFoundException e) {
                text(x, 404, e.getMessage());
            } catch (IllegalArgumentException e) {
                text(x, 400, e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("{} {} failed: {}", method, path, e.toString());
                text(x, 500, "storage error: " + e.getMessage());
            }
        } finally {
            x.close();
        }
    }

    private void put(HttpExchange x, String id) throws IOException {
        String cl = x.getRequestHeaders().getFirst("Content-Length");
        if (cl != null) {
            long n;
            try {
                n = Long.parseLong(cl.trim());
            } catch (NumberFormatException e) {
                text(x, 400, "bad Content-Length");
                return;
            }
            if (n < 0) {
                text(x, 400, "bad Content-Length");
                return;
            }
            if (n > ChunkStore.MAX_CHUNK_BYTES) {
                drain(x); // a client sends the whole body before it reads the answer
                text(x, 413, "chunk of " + n + " bytes is larger than " + ChunkStore.MAX_CHUNK_BYTES + " bytes");
                return;
            }
        }
        byte[] body = readBody(x.getRequestBody(), cl == null ? -1 : Integer.parseInt(cl.trim()));
        if (body == null) {
            drain(x);
            text(x, 413, "chunk larger than " + ChunkStore.MAX_CHUNK_BYTES + " bytes");
            return;
        }
        store.put(id, ByteBuffer.wrap(body));
        BYTES.get()[0] = body.length;
        send(x, 201, null);
    }

    /** Reads the whole body (known length, or up to the maximum + 1); null when it is too large. */
    private static byte[] readBody(InputStream in, int length) throws IOException {
        if (length >= 0) {
            byte[] b = in.readNBytes(length);
            if (b.length != length) throw new IllegalArgumentException("body ended after " + b.length + " of " + length + " bytes");
            return b;
        }
        byte[] b = in.readNBytes(ChunkStore.MAX_CHUNK_BYTES + 1);
        return b.length > ChunkStore.MAX_CHUNK_BYTES ? null : b;
    }

    private void get(HttpExchange x, String id, boolean head) throws IOException {
        long size = store.size(id);
        if (size < 0) {
            text(x, 404, "chunk not found: " + id);
            return;
        }
        x.getResponseHeaders().set("Accept-Ranges", "bytes");
        x.getResponseHeaders().set("Content-Type", "application/octet-stream");
        String range = x.getRequestHeaders().getFirst("Range");
        long from = 0;
        long to = size - 1;
        int status = 200;
        if (range != null) {
            Matcher m = RANGE.matcher(range.trim());
            if (!m.matches()) {
                text(x, 400, "unsupported Range (one bytes=A-B or bytes=A- only): " + range);
                return;
            }
            from = Long.parseLong(m.group(1));
            if (!m.group(2).isEmpty()) to = Math.min(Long.parseLong(m.group(2)), size - 1);
            if (from >= size || to < from) {
                x.getResponseHeaders().set("Content-Range", "bytes */" + size);
                text(x, 416, "range " + range + " outside chunk of " + size + " bytes");
                return;
            }
            status = 206;
            x.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + size);
        }
        int length = (int) (to - from + 1);
        if (head) {
            x.getResponseHeaders().set("Content-Length", Integer.toString(length));
            x.sendResponseHeaders(status, -1);
            return;
        }
        send(x, status, store.read(id, from, length));
    }

    private void list(HttpExchange x) throws IOException {
        String after = null;
        int limit = 1000;
        String q = x.getRequestURI().getRawQuery();
        if (q != null) {
            for (String kv : q.split("&")) {
                int eq = kv.indexOf('=');
                String k = eq < 0 ? kv : kv.substring(0, eq);
                String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                if (k.equals("after")) after = v.isEmpty() ? null : v;
                else if (k.equals("limit")) {
                    try {
                        limit = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        limit = -1;
                    }
                    if (limit < 1 || limit > MAX_LIST_LIMIT) {
                        text(x, 400, "limit must be 1.." + MAX_LIST_LIMIT);
                        return;
                    }
                } else {
                    text(x, 400, "unknown query parameter: " + k);
                    return;
                }
            }
        }
        List<String> ids = new ArrayList<>();
        int max = limit;
        store.list(after, id -> {
            ids.add(id);
            return ids.size() < max;
        });
        StringBuilder b = new StringBuilder();
        for (String id : ids) b.append(id).append('\n');
        x.getResponseHeaders().set("Content-Type", "text/plain; charset=us-ascii");
        send(x, 200, b.toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static void drain(HttpExchange x) throws IOException {
        try (InputStream in = x.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private void text(HttpExchange x, int status, String message) throws IOException {
        x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        send(x, status, (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private void send(HttpExchange x, int status, byte[] body) throws IOException {
        x.getResponseHeaders().set(NODE_ID_HEADER, nodeId);
        if (x.getRequestMethod().equals("HEAD") || body == null) {
            x.sendResponseHeaders(status, -1);
            return;
        }
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        BYTES.get()[1] = body.length;
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        server.stop(0);
        workers.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
