package dev.strata.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.spi.MemoryChunkStore;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pull path over real HTTP: segments read into pooled direct buffers, written from them, and
 * given back once written. A pool far smaller than the number of concurrent responses forces the
 * heap fallback; every response must still carry exactly the right bytes, and every pooled buffer
 * must be back in the pool afterwards (none lost to a finished or aborted response).
 */
class BlobStreamerTest {
    static final int SEGMENT = 64 * 1024;

    Vertx vertx;
    HttpServer server;
    MemoryChunkStore store;
    SegmentBuffers pool;
    List<ChunkRef> chunks;
    byte[] blob;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        store = new MemoryChunkStore();
        pool = new SegmentBuffers(SEGMENT, 2);
        // chunks of uneven sizes, so segments cross no chunk boundary and some are short
        Random rnd = new Random(42);
        int[] sizes = {SEGMENT * 3 + 17, 1, SEGMENT, 5000, SEGMENT * 2 - 1};
        chunks = new ArrayList<>();
        int total = Arrays.stream(sizes).sum();
        blob = new byte[total];
        rnd.nextBytes(blob);
        int off = 0;
        for (int i = 0; i < sizes.length; i++) {
            String id = "c" + i;
            store.put(id, ByteBuffer.wrap(blob, off, sizes[i]));
            chunks.add(new ChunkRef(id, sizes[i]));
            off += sizes[i];
        }
        server = vertx.createHttpServer().requestHandler(req -> {
            long start = Long.parseLong(req.getParam("start"));
            long end = Long.parseLong(req.getParam("end"));
            req.response().putHeader("Content-Length", Long.toString(end - start + 1));
            BlobStreamer.stream(vertx, store, pool, req.response(), chunks, start, end)
                    .onFailure(t -> req.connection().close());
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        store.close();
    }

    private URI uri(long start, long end) {
        return URI.create("http://127.0.0.1:" + server.actualPort() + "/?start=" + start + "&end=" + end);
    }

    @Test
    void concurrentResponsesGetTheirBytesWithASmallPool() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(30)).build();
        long[][] ranges = {{0, blob.length - 1}, {1, blob.length - 2}, {SEGMENT * 3 + 10, SEGMENT * 4 + 20},
                {blob.length - 1, blob.length - 1}, {0, 0}, {70_000, 200_000}};
        List<CompletableFuture<HttpResponse<byte[]>>> futures = new ArrayList<>();
        List<long[]> asked = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            for (long[] r : ranges) {
                asked.add(r);
                futures.add(http.sendAsync(HttpRequest.newBuilder(uri(r[0], r[1])).timeout(Duration.ofSeconds(60)).build(),
                        HttpResponse.BodyHandlers.ofByteArray()));
            }
        }
        for (int i = 0; i < futures.size(); i++) {
            HttpResponse<byte[]> resp = futures.get(i).get(120, TimeUnit.SECONDS);
            long[] r = asked.get(i);
            assertEquals(200, resp.statusCode());
            assertArrayEquals(Arrays.copyOfRange(blob, (int) r[0], (int) r[1] + 1), resp.body(), "bytes " + r[0] + "-" + r[1]);
        }
        assertAllBuffersReturned();
    }

    @Test
    void aClientThatGoesAwayGivesItsBuffersBack() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(30)).build();
        for (int i = 0; i < 5; i++) {
            HttpResponse<InputStream> resp = http.send(HttpRequest.newBuilder(uri(0, blob.length - 1)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                assertEquals(blob[0], (byte) in.read()); // read one byte, then hang up
            }
        }
        // and the server still serves full responses afterwards
        HttpResponse<byte[]> full = http.send(HttpRequest.newBuilder(uri(0, blob.length - 1)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertArrayEquals(blob, full.body());
        assertAllBuffersReturned();
    }

    /**
     * A buffer the way the streamer takes one ({@link SegmentBuffers#take(Vertx)}, on a Vert.x
     * context): null once the pool's wait ran out with every buffer in use.
     */
    private ByteBuffer take(SegmentBuffers p) throws Exception {
        CompletableFuture<ByteBuffer> got = new CompletableFuture<>();
        vertx.runOnContext(v -> p.take(vertx).onComplete(ar -> {
            if (ar.succeeded()) got.complete(ar.result());
            else got.completeExceptionally(ar.cause());
        }));
        return got.get(30, TimeUnit.SECONDS);
    }

    /** Every buffer the pool ever made is back: taking them all yields distinct direct buffers, then null. */
    private void assertAllBuffersReturned() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            // identity, not equals: ByteBuffer.equals compares contents, and two buffers that last
            // held the same segment are equal
            Set<ByteBuffer> taken = Collections.newSetFromMap(new IdentityHashMap<>());
            List<ByteBuffer> list = new ArrayList<>();
            ByteBuffer b;
            while ((b = take(pool)) != null) {
                assertTrue(b.isDirect());
                assertEquals(SEGMENT, b.capacity());
                list.add(b);
                taken.add(b);
            }
            for (ByteBuffer x : list) pool.give(x);
            if (list.size() == 2) {
                assertEquals(2, taken.size());
                return;
            }
            // a response that failed may give its buffer back a moment after the client saw the end
            if (System.nanoTime() > deadline) throw new AssertionError("pool has " + list.size() + " of 2 buffers back");
            Thread.sleep(20);
        }
    }

    @Test
    void aSegmentWaitsForAPooledBufferAndOnlyThenGoesWithout() throws Exception {
        ByteBuffer a = take(pool);
        ByteBuffer b = take(pool);
        assertNotNull(a);
        assertNotNull(b);
        // given back while a read waits: the waiting read gets exactly that buffer
        CompletableFuture<ByteBuffer> handed = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            pool.take(vertx).onComplete(ar -> handed.complete(ar.result()));
            vertx.setTimer(50, id -> pool.give(a));
        });
        assertTrue(handed.get(30, TimeUnit.SECONDS) == a, "the waiting read gets the buffer given back");
        // none given back: after the wait, null (the caller takes the heap path); nothing new is made
        CompletableFuture<ByteBuffer> none = new CompletableFuture<>();
        long t0 = System.nanoTime();
        vertx.runOnContext(v -> pool.take(vertx).onComplete(ar -> none.complete(ar.result())));
        assertNull(none.get(30, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(SegmentBuffers.WAIT_MILLIS) - 1_000_000,
                "it waited before giving up");
        assertNull(take(pool), "still only 2 buffers exist");
        pool.give(a);
        pool.give(b);
    }

    @Test
    void poolIsBoundedAndReusesBuffers() throws Exception {
        SegmentBuffers p = new SegmentBuffers(1024, 2);
        ByteBuffer a = take(p);
        ByteBuffer b = take(p);
        assertNotNull(a);
        assertNotNull(b);
        assertNull(take(p), "a third buffer is never made");
        a.position(100);
        p.give(a);
        ByteBuffer again = take(p);
        assertTrue(again == a, "the given-back buffer is reused");
        assertEquals(0, again.position());
        assertEquals(1024, again.limit());
    }
}
