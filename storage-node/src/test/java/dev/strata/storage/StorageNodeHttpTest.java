package dev.strata.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ChunkStoreConformance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The HTTP chunk API end to end: the whole conformance suite through {@link HttpChunkStore} against
 * a {@link StorageNodeServer} on RocksDB (real HTTP, real RocksDB), plus the HTTP details (Range,
 * HEAD, statuses, node id, health, list paging).
 */
class StorageNodeHttpTest extends ChunkStoreConformance {
    @Override
    protected ChunkStore newStore(Path dir) {
        RocksChunkStore rocks = new RocksChunkStore(dir);
        try {
            StorageNodeServer server = new StorageNodeServer(rocks, "node-a", new InetSocketAddress("127.0.0.1", 0), 16);
            return new Remote(new HttpChunkStore("http://127.0.0.1:" + server.port(), Duration.ofSeconds(60)), server, rocks);
        } catch (IOException e) {
            rocks.close();
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected boolean persistent() {
        return true;
    }

    /** The client; closing it also stops the server and closes the store behind it. */
    static final class Remote implements ChunkStore {
        final HttpChunkStore client;
        final StorageNodeServer server;
        final ChunkStore backing;

        Remote(HttpChunkStore client, StorageNodeServer server, ChunkStore backing) {
            this.client = client;
            this.server = server;
            this.backing = backing;
        }

        @Override public void put(String id, ByteBuffer data) { client.put(id, data); }
        @Override public byte[] read(String id, long offset, int length) { return client.read(id, offset, length); }
        @Override public long size(String id) { return client.size(id); }
        @Override public boolean delete(String id) { return client.delete(id); }
        @Override public void list(String startAfter, Predicate<String> visitor) { client.list(startAfter, visitor); }

        @Override
        public void close() {
            server.close(); // idempotent, like the store's close
            backing.close();
        }
    }

    private Remote remote() {
        return (Remote) backend();
    }

    private HttpResponse<byte[]> http(HttpRequest.Builder b) throws Exception {
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpRequest.Builder req(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + remote().server.port() + path));
    }

    @Test
    void rangeHeadAndStatuses() throws Exception {
        byte[] data = random(10_000, 1);
        store.put("r", ByteBuffer.wrap(data));

        HttpResponse<byte[]> whole = http(req("/chunks/r").GET());
        assertEquals(200, whole.statusCode());
        assertArrayEquals(data, whole.body());
        assertEquals("node-a", whole.headers().firstValue(StorageNodeServer.NODE_ID_HEADER).orElse(""));

        HttpResponse<byte[]> part = http(req("/chunks/r").header("Range", "bytes=100-199").GET());
        assertEquals(206, part.statusCode());
        assertEquals("bytes 100-199/10000", part.headers().firstValue("Content-Range").orElse(""));
        assertArrayEquals(Arrays.copyOfRange(data, 100, 200), part.body());

        HttpResponse<byte[]> open = http(req("/chunks/r").header("Range", "bytes=9990-").GET());
        assertEquals(206, open.statusCode());
        assertArrayEquals(Arrays.copyOfRange(data, 9990, 10_000), open.body());

        HttpResponse<byte[]> beyond = http(req("/chunks/r").header("Range", "bytes=10000-10005").GET());
        assertEquals(416, beyond.statusCode());
        assertEquals("bytes */10000", beyond.headers().firstValue("Content-Range").orElse(""));
        assertEquals(400, http(req("/chunks/r").header("Range", "bytes=1-2,5-6").GET()).statusCode());

        HttpResponse<byte[]> head = http(req("/chunks/r").method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, head.statusCode());
        assertEquals("10000", head.headers().firstValue("Content-Length").orElse(""));

        assertEquals(404, http(req("/chunks/nope").GET()).statusCode());
        assertEquals(404, http(req("/chunks/nope").method("HEAD", HttpRequest.BodyPublishers.noBody())).statusCode());
        assertEquals(400, http(req("/chunks/a%2Fb").GET()).statusCode());
        assertEquals(400, http(req("/chunks/a:b").PUT(HttpRequest.BodyPublishers.ofString("x"))).statusCode());
        assertEquals(405, http(req("/chunks/r").POST(HttpRequest.BodyPublishers.noBody())).statusCode());
        assertEquals(204, http(req("/chunks/r").DELETE()).statusCode());
        assertEquals(404, http(req("/chunks/r").DELETE()).statusCode());
    }

    @Test
    void oversizedPutIs413() throws Exception {
        HttpResponse<byte[]> r = http(req("/chunks/big").PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[ChunkStore.MAX_CHUNK_BYTES + 1])));
        assertEquals(413, r.statusCode());
        assertEquals(-1, store.size("big"));
    }

    @Test
    void readinessAndMetricsCountChunkTraffic() throws Exception {
        HttpResponse<byte[]> ready = http(req("/readyz").GET());
        assertEquals(200, ready.statusCode());
        assertTrue(new String(ready.body(), StandardCharsets.UTF_8).contains("\"store\":\"ok\""));
        String before = new String(http(req("/metrics").GET()).body(), StandardCharsets.UTF_8);
        byte[] data = random(70_000, 7);
        assertEquals(201, http(req("/chunks/m1").header("X-Request-Id", "req-42").PUT(HttpRequest.BodyPublishers.ofByteArray(data)))
                .statusCode());
        HttpResponse<byte[]> got = http(req("/chunks/m1").header("X-Request-Id", "req-43").GET());
        assertEquals("req-43", got.headers().firstValue("X-Request-Id").orElse(""));
        assertEquals(404, http(req("/chunks/absent").GET()).statusCode());
        HttpResponse<byte[]> m = http(req("/metrics").GET());
        assertEquals(200, m.statusCode());
        assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        String after = new String(m.body(), StandardCharsets.UTF_8);
        String put = "strata_http_requests_total{server=\"storage-node\",route=\"chunk\",method=\"PUT\",status=\"201\"}";
        String miss = "strata_http_requests_total{server=\"storage-node\",route=\"chunk\",method=\"GET\",status=\"404\"}";
        String in = "strata_http_received_bytes_total{server=\"storage-node\",route=\"chunk\"}";
        String out = "strata_http_sent_bytes_total{server=\"storage-node\",route=\"chunk\"}";
        assertEquals(sample(before, put) + 1, sample(after, put));
        assertEquals(sample(before, miss) + 1, sample(after, miss));
        assertEquals(sample(before, in) + data.length, sample(after, in));
        assertTrue(sample(after, out) - sample(before, out) >= data.length, after);
        assertEquals(405, http(req("/metrics").POST(HttpRequest.BodyPublishers.noBody())).statusCode());
    }

    /** The value of one series in a Prometheus text scrape, 0 when absent. */
    static double sample(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1));
        }
        return 0;
    }

    @Test
    void healthAndNodeId() throws Exception {
        assertEquals("node-a", remote().client.nodeId());
        HttpResponse<byte[]> h = http(req("/healthz").GET());
        assertEquals(200, h.statusCode());
        assertTrue(new String(h.body(), StandardCharsets.UTF_8).contains("\"nodeId\":\"node-a\""));
    }

    @Test
    void listPagesAndBadLimits() throws Exception {
        for (int i = 0; i < 2001; i++) store.put(String.format("p%05d", i), ByteBuffer.wrap(new byte[] {(byte) i}));
        int[] n = {0};
        store.list(null, id -> {
            assertEquals(String.format("p%05d", n[0]), id);
            n[0]++;
            return true;
        });
        assertEquals(2001, n[0], "every id across pages of 1000");
        HttpResponse<byte[]> page = http(req("/chunks?after=p00007&limit=2").GET());
        assertEquals("p00008\np00009\n", new String(page.body(), StandardCharsets.US_ASCII));
        assertEquals(400, http(req("/chunks?limit=0").GET()).statusCode());
        assertEquals(400, http(req("/chunks?limit=x").GET()).statusCode());
        assertEquals(400, http(req("/chunks?bogus=1").GET()).statusCode());
    }

    @Test
    void unreachableNodeIsAnError() {
        int port = remote().server.port();
        store.close();
        store = null;
        HttpChunkStore gone = new HttpChunkStore("http://127.0.0.1:" + port, Duration.ofSeconds(2));
        assertThrows(IllegalStateException.class, () -> gone.size("x"));
        assertThrows(IllegalArgumentException.class, () -> new HttpChunkStore("ftp://x", Duration.ofSeconds(1)));
    }
}
