package dev.strata.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.oci.Digest;
import dev.strata.core.spi.MemoryChunkStore;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The upload path over real HTTP with a chunk-array pool far smaller than the concurrent uploads
 * need: uploads wait for arrays instead of allocating past the bound, every body still arrives
 * byte for byte with the right digest, no more than {@code max} arrays ever exist, and an upload
 * that cannot get an array in time gets 503 UNAVAILABLE with nothing left stored, while the server
 * keeps serving.
 */
class ChunkedBodyTest {
    static final int CHUNK = 64 * 1024;

    Vertx vertx;
    HttpServer server;
    MemoryChunkStore store;
    ChunkBuffers pool;
    final AtomicInteger peakAllocated = new AtomicInteger();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(30)).build();

    void start(int max, long waitMillis) throws Exception {
        vertx = Vertx.vertx();
        store = new MemoryChunkStore();
        pool = new ChunkBuffers(CHUNK, max, waitMillis);
        server = vertx.createHttpServer().requestHandler(req -> {
            req.pause();
            MessageDigest md = Digest.newSha256();
            ChunkedBody.write(vertx, req, store, pool, md, CHUNK, 1L << 30, id -> { }).onComplete(ar -> {
                peakAllocated.accumulateAndGet(pool.allocated(), Math::max);
                if (ar.failed()) {
                    Http.fail(req, ar.cause());
                    return;
                }
                // answer with the digest and the stored bytes' digest, read back chunk by chunk
                MessageDigest back = Digest.newSha256();
                for (ChunkRef c : ar.result().chunks()) back.update(store.read(c, 0, (int) c.length()));
                req.response().end(HexFormat.of().formatHex(md.digest()) + " " + HexFormat.of().formatHex(back.digest())
                        + " " + ar.result().length());
            });
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @BeforeEach
    void reset() {
        peakAllocated.set(0);
    }

    @AfterEach
    void stop() throws Exception {
        if (vertx != null) vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        if (store != null) store.close();
    }

    private CompletableFuture<HttpResponse<String>> upload(byte[] body) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/"))
                .timeout(Duration.ofSeconds(120))
                // a publisher in small pieces, so the body arrives in many reads
                .POST(HttpRequest.BodyPublishers.ofByteArrays(pieces(body, 8192))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<byte[]> pieces(byte[] body, int size) {
        List<byte[]> out = new ArrayList<>();
        for (int o = 0; o < body.length; o += size) out.add(java.util.Arrays.copyOfRange(body, o, Math.min(body.length, o + size)));
        return out;
    }

    private int storedChunks() {
        AtomicInteger n = new AtomicInteger();
        store.list("", id -> {
            n.incrementAndGet();
            return true;
        });
        return n.get();
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void concurrentUploadsShareABoundedPoolAndKeepEveryByte() throws Exception {
        int max = ChunkBuffers.PER_UPLOAD; // the smallest pool that always makes progress
        start(max, 60_000);
        Random rnd = new Random(7);
        List<byte[]> bodies = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            // uneven sizes: whole chunks, a partial last chunk, an empty body
            byte[] b = new byte[i == 0 ? 0 : CHUNK * (3 + i) + rnd.nextInt(CHUNK)];
            rnd.nextBytes(b);
            bodies.add(b);
            futures.add(upload(b));
        }
        for (int i = 0; i < bodies.size(); i++) {
            HttpResponse<String> resp = futures.get(i).get(180, TimeUnit.SECONDS);
            assertEquals(200, resp.statusCode(), resp.body());
            String want = sha256(bodies.get(i));
            assertEquals(want + " " + want + " " + bodies.get(i).length, resp.body(), "upload " + i);
        }
        assertTrue(peakAllocated.get() <= max, "at most " + max + " arrays, saw " + peakAllocated.get());
        assertEquals(max, pool.allocated(), "8 uploads of 4+ chunks through a pool of " + max + " used all of it");
        assertEquals(max, pool.free(), "every array is back in the pool");
    }

    @Test
    void anUploadThatCannotGetABufferIn503sStoresNothingAndTheServerKeepsServing() throws Exception {
        start(ChunkBuffers.PER_UPLOAD, 300);
        List<byte[]> held = new ArrayList<>();
        byte[] b;
        while ((b = pool.tryTake()) != null) held.add(b);
        assertEquals(ChunkBuffers.PER_UPLOAD, held.size());

        byte[] body = new byte[CHUNK * 3];
        new Random(1).nextBytes(body);
        HttpResponse<String> refused = upload(body).get(120, TimeUnit.SECONDS);
        assertEquals(503, refused.statusCode());
        assertTrue(refused.body().contains("\"UNAVAILABLE\"") && refused.body().contains("upload buffers"), refused.body());
        assertEquals(0, storedChunks(), "nothing stored for the refused upload");

        for (byte[] h : held) pool.give(h);
        HttpResponse<String> ok = upload(body).get(120, TimeUnit.SECONDS);
        assertEquals(200, ok.statusCode(), ok.body());
        assertTrue(ok.body().startsWith(sha256(body) + " " + sha256(body)), ok.body());
    }

    @Test
    void aWaitingUploadGetsTheNextArrayGivenBack() throws Exception {
        start(ChunkBuffers.PER_UPLOAD, 60_000);
        List<byte[]> held = new ArrayList<>();
        byte[] b;
        while ((b = pool.tryTake()) != null) held.add(b);
        byte[] body = new byte[CHUNK * 5 + 3];
        new Random(2).nextBytes(body);
        CompletableFuture<HttpResponse<String>> waiting = upload(body);
        // the upload cannot start until an array comes back; give one back after it has begun waiting
        vertx.setTimer(300, id -> pool.give(held.remove(0)));
        HttpResponse<String> resp = waiting.get(120, TimeUnit.SECONDS);
        assertEquals(200, resp.statusCode(), resp.body());
        assertEquals(sha256(body) + " " + sha256(body) + " " + body.length, resp.body());
        assertEquals(ChunkBuffers.PER_UPLOAD, pool.allocated(), "no array was made past the bound");
    }

    @Test
    void thePoolNeverMakesMoreThanItsBound() {
        ChunkBuffers p = new ChunkBuffers(1024, 2, 1000);
        byte[] a = p.tryTake();
        byte[] c = p.tryTake();
        assertNotNull(a);
        assertNotNull(c);
        assertNull(p.tryTake(), "a third array is never made");
        p.give(a);
        assertTrue(p.tryTake() == a, "the given-back array is reused");
        p.give(new byte[7]); // a foreign size is not pooled
        assertNull(p.tryTake());
        assertEquals(2, p.allocated());
    }

    @Test
    void theHeapSizedPoolHoldsAtLeastOneUploadAndAtMostAQuarterOfTheHeap() {
        ChunkBuffers p = ChunkBuffers.forHeap(4 << 20, 1000);
        assertTrue(p.max() >= ChunkBuffers.PER_UPLOAD);
        assertTrue(p.max() <= 64);
        assertTrue((long) p.max() * (4 << 20) <= Math.max(Runtime.getRuntime().maxMemory() / 4, (long) ChunkBuffers.PER_UPLOAD * (4 << 20)));
    }
}
