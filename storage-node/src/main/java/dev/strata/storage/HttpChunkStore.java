package dev.strata.storage;

import dev.strata.core.spi.ChunkStore;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * {@link ChunkStore} client of one storage node's HTTP chunk API ({@link StorageNodeServer}), so a
 * gateway or service can use a remote node through the same interface. Statuses map back to the
 * SPI: 404 to {@link ChunkNotFoundException} (or -1 / false), 400, 413 and 416 to
 * {@link IllegalArgumentException}, anything else (also a connection failure) to
 * {@link IllegalStateException}.
 */
public final class HttpChunkStore implements ChunkStore {
    private static final int LIST_PAGE = 1000;
    /**
     * Connecting to a storage node may take at most this long (or the request timeout, when
     * shorter). A node whose address no longer answers (a stopped pod or container) then costs a
     * few seconds per attempt before placement moves on to the next node, not the whole request
     * timeout, which would push a manifest PUT past its validation window.
     */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private final String baseUrl;
    private final HttpClient http;
    private final Duration timeout;

    /** {@code baseUrl} like http://127.0.0.1:7000 (no trailing slash needed). */
    public HttpChunkStore(String baseUrl, Duration timeout) {
        this(baseUrl, timeout, null);
    }

    /** As above; {@code ssl} (trusting the internal CA) is required for an https:// URL. */
    public HttpChunkStore(String baseUrl, Duration timeout, javax.net.ssl.SSLContext ssl) {
        dev.strata.core.rpc.InternalTls.checkBase("storage node", baseUrl, ssl);
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.timeout = timeout;
        Duration connect = timeout.compareTo(CONNECT_TIMEOUT) < 0 ? timeout : CONNECT_TIMEOUT;
        this.http = dev.strata.core.rpc.InternalTls.client(ssl).connectTimeout(connect).build();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout);
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder b, String what) {
        try {
            // bounded as a whole: a chunk is at most 64 MiB, so twice the timeout is generous
            return dev.strata.core.util.BoundedHttp.send(http, b.build(), HttpResponse.BodyHandlers.ofByteArray(), timeout.multipliedBy(2));
        } catch (IOException e) {
            throw new IllegalStateException(what + " on storage node " + baseUrl + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted", e);
        }
    }

    private IllegalStateException unexpected(String what, HttpResponse<byte[]> r) {
        return new IllegalStateException(what + " on storage node " + baseUrl + ": HTTP " + r.statusCode() + " "
                + new String(r.body(), StandardCharsets.UTF_8).trim());
    }

    private static String message(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8).trim();
    }

    @Override
    public void put(String id, ByteBuffer data) {
        HttpRequest.BodyPublisher body;
        if (data.hasArray()) {
            body = HttpRequest.BodyPublishers.ofByteArray(data.array(), data.arrayOffset() + data.position(), data.remaining());
        } else {
            byte[] b = new byte[data.remaining()];
            data.duplicate().get(b);
            body = HttpRequest.BodyPublishers.ofByteArray(b);
        }
        HttpResponse<byte[]> r = send(request("/chunks/" + id).header("Content-Type", "application/octet-stream").PUT(body), "put of " + id);
        if (r.statusCode() == 201 || r.statusCode() == 204) return;
        if (r.statusCode() == 400 || r.statusCode() == 413) throw new IllegalArgumentException(message(r));
        throw unexpected("put of " + id, r);
    }

    @Override
    public byte[] read(String id, long offset, int length) {
        if (offset < 0 || length < 0 || offset > MAX_CHUNK_BYTES - length || length == 0) {
            // no chunk can hold this range, or nothing to read: the size decides (and a missing chunk wins)
            long size = size(id);
            if (size < 0) throw new ChunkNotFoundException(id);
            ChunkStore.checkRange(offset, length, size);
            return new byte[0];
        }
        HttpResponse<byte[]> r = send(request("/chunks/" + id).header("Range", "bytes=" + offset + "-" + (offset + length - 1)).GET(), "read of " + id);
        switch (r.statusCode()) {
            case 206:
                if (r.body().length == length) return r.body();
                // the server clamps a range that ends past the chunk: out of range for the SPI
                throw new IllegalArgumentException("range " + offset + "+" + length + " outside chunk "
                        + r.headers().firstValue("Content-Range").orElse("?"));
            case 404:
                throw new ChunkNotFoundException(id);
            case 416:
                throw new IllegalArgumentException(message(r));
            default:
                throw unexpected("read of " + id, r);
        }
    }

    @Override
    public long size(String id) {
        HttpResponse<byte[]> r = send(request("/chunks/" + id).method("HEAD", HttpRequest.BodyPublishers.noBody()), "stat of " + id);
        if (r.statusCode() == 404) return -1;
        if (r.statusCode() != 200) throw unexpected("stat of " + id, r);
        return r.headers().firstValueAsLong("Content-Length").orElseThrow(() -> unexpected("stat of " + id + " (no Content-Length)", r));
    }

    @Override
    public boolean delete(String id) {
        HttpResponse<byte[]> r = send(request("/chunks/" + id).DELETE(), "delete of " + id);
        if (r.statusCode() == 204) return true;
        if (r.statusCode() == 404) return false;
        throw unexpected("delete of " + id, r);
    }

    @Override
    public void list(String startAfter, Predicate<String> visitor) {
        String after = startAfter;
        while (true) {
            String q = "/chunks?limit=" + LIST_PAGE + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
            HttpResponse<byte[]> r = send(request(q).GET(), "list");
            if (r.statusCode() != 200) throw unexpected("list", r);
            String body = new String(r.body(), StandardCharsets.US_ASCII);
            if (body.isEmpty()) return;
            String[] ids = body.split("\n");
            for (String id : ids) if (!visitor.test(id)) return;
            if (ids.length < LIST_PAGE) return;
            after = ids[ids.length - 1];
        }
    }

    /** GET /healthz: the node's id, or an IllegalStateException when it is not healthy or unreachable. */
    public String nodeId() {
        HttpResponse<byte[]> r = send(request("/healthz").GET(), "health check");
        if (r.statusCode() != 200) throw unexpected("health check", r);
        return r.headers().firstValue(StorageNodeServer.NODE_ID_HEADER).orElseThrow(() -> unexpected("health check (no node id)", r));
    }

    @Override
    public void close() {
        // HttpClient of Java 17 has no close; its threads end when it is unreachable
    }

    @Override
    public String toString() {
        return "HttpChunkStore[" + baseUrl + "]";
    }
}
