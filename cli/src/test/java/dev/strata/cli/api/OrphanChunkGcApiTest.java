package dev.strata.cli.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.cli.SingleNode;
import dev.strata.core.oci.Digest;
import dev.strata.core.spi.ChunkStore;
import dev.strata.gc.GcConfig;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Orphan chunks on a real node (RocksDB storage, Kafka): an upload chunk that no committed blob and
 * no live upload session holds is collected by the GC pass once older than the orphan grace (4 s
 * here); chunks of committed blobs and of live uploads are never touched, also while GC passes run
 * during an upload. Blobs themselves have a long grace here, so only orphans go.
 */
class OrphanChunkGcApiTest {
    private static final long ORPHAN_GRACE_MS = 4000;
    private static PrivateNode fixture;
    private static SingleNode node;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        fixture = PrivateNode.start("orphans", new GcConfig(Duration.ofHours(1), Duration.ZERO, 10_000, Duration.ofHours(1))
                .withOrphanGrace(Duration.ofMillis(ORPHAN_GRACE_MS)));
        node = fixture.node;
        api = fixture.api;
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static void pastOrphanGrace() throws InterruptedException {
        Thread.sleep(ORPHAN_GRACE_MS + 300);
    }

    @Test
    void aChunkNeverCommittedIsCollectedAfterTheGraceWithAReason() throws Exception {
        long now = System.currentTimeMillis();
        String fresh = ChunkStore.newUploadChunkId(now);
        // written "10 minutes from now" (a gateway whose clock runs ahead): young for all of this test
        String young = ChunkStore.newUploadChunkId(now + Duration.ofMinutes(10).toMillis());
        String old = ChunkStore.newUploadChunkId(now - Duration.ofHours(2).toMillis());
        String manifestLike = "m-sha256-" + "0".repeat(64); // not an upload chunk: never an orphan
        for (String id : List.of(fresh, young, old, manifestLike)) node.chunks().put(id, ByteBuffer.wrap(new byte[] {1, 2, 3}));

        JsonNode dry = api.gc(true);
        assertTrue(Api.collectedChunks(dry).contains(old), dry.toString());
        assertFalse(Api.collectedChunks(dry).contains(young), "younger than the grace: " + dry);
        assertTrue(dry.path("orphanChunks").asLong() >= 1, dry.toString());
        for (JsonNode c : dry.path("collected")) {
            if (old.equals(c.path("chunkId").asText())) {
                assertTrue(c.path("reason").asText().contains("orphan chunk"), c.toString());
                assertEquals(3, c.path("size").asLong());
            }
        }
        assertEquals(3, node.chunks().size(old), "a dry run deletes nothing");

        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        assertEquals(0, dev.strata.cli.CliAccess.gc(new String[] {"gc", "--dry-run", "--registry", api.base.substring("http://".length())},
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true)), err::toString);
        assertTrue(out.toString().contains("chunk " + old) && out.toString().contains("orphan chunk: written"), out::toString);
        assertTrue(out.toString().matches("(?s).*would collect \\d+ manifests, \\d+ blobs, [1-9]\\d* orphan chunks, \\d+ bytes.*"), out::toString);

        Set<String> collected = Api.collectedChunks(api.gc(false));
        assertTrue(collected.contains(old));
        assertEquals(-1, node.chunks().size(old), "collected");
        assertEquals(3, node.chunks().size(young), "still young");
        pastOrphanGrace();
        collected.addAll(Api.collectedChunks(api.gc(false))); // on a slow machine the first pass may have been past the grace already
        assertTrue(collected.contains(fresh), "written, never committed, past the grace: collected");
        assertEquals(-1, node.chunks().size(fresh));
        assertEquals(3, node.chunks().size(young), "still young");
        assertEquals(3, node.chunks().size(manifestLike), "ids of other shapes are never collected");
        node.chunks().delete(young);
    }

    @Test
    void chunksOfCommittedBlobsAndLiveUploadsAreNeverTouched() throws Exception {
        String repo = "orphans/keep";
        byte[] committed = Api.random(5 * 1024 * 1024); // two chunks
        String d = api.pushBlob(repo, committed);
        var blobChunks = node.uploads().blob(Digest.parse(d)).orElseThrow().chunks();
        assertEquals(2, blobChunks.size());
        // the commit records each chunk's CRC32C (what fsck and scrub check copies against)
        int first4 = (int) blobChunks.get(0).length();
        assertEquals(ChunkStore.crc32c(ByteBuffer.wrap(committed, 0, first4)), blobChunks.get(0).crc32c());
        assertEquals(ChunkStore.crc32c(ByteBuffer.wrap(committed, first4, committed.length - first4)), blobChunks.get(1).crc32c());
        assertTrue(node.chunks().check(blobChunks.get(0), false).ok());

        // a live upload with chunks appended, left open
        HttpResponse<byte[]> started = api.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        assertEquals(202, started.statusCode());
        String location = Api.header(started, "Location");
        byte[] first = Api.random(300_000);
        HttpResponse<byte[]> patched = api.send("PATCH", location, first, "Content-Type", "application/octet-stream");
        assertEquals(202, patched.statusCode(), () -> new String(patched.body()));
        location = Api.header(patched, "Location");

        pastOrphanGrace();
        JsonNode report = api.gc(false);
        for (var c : blobChunks) {
            assertFalse(Api.collectedChunks(report).contains(c.id()));
            assertTrue(node.chunks().size(c.id()) >= 0, "committed chunk " + c.id() + " kept");
        }
        assertArrayEquals(committed, api.get("/v2/" + repo + "/blobs/" + d).body());

        // GC passes keep running while the upload goes on in small PATCHes, then it completes
        AtomicBoolean uploading = new AtomicBoolean(true);
        AtomicReference<Throwable> gcFailure = new AtomicReference<>();
        Thread passes = new Thread(() -> {
            while (uploading.get()) {
                try {
                    api.gc(false);
                } catch (Throwable t) {
                    gcFailure.set(t);
                    return;
                }
            }
        });
        passes.start();
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        all.write(first);
        try {
            for (int i = 0; i < 20; i++) {
                byte[] part = Api.random(64 * 1024);
                all.write(part);
                HttpResponse<byte[]> p = api.send("PATCH", location, part, "Content-Type", "application/octet-stream");
                assertEquals(202, p.statusCode(), () -> new String(p.body()));
                location = Api.header(p, "Location");
            }
            pastOrphanGrace(); // every chunk of the session is past the grace now, with passes running
        } finally {
            uploading.set(false);
            passes.join(60_000);
        }
        assertEquals(null, gcFailure.get());
        byte[] whole = all.toByteArray();
        String wd = Digest.sha256(whole).toString();
        HttpResponse<byte[]> done = api.send("PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + wd, null);
        assertEquals(201, done.statusCode(), () -> new String(done.body()));
        assertArrayEquals(whole, api.get("/v2/" + repo + "/blobs/" + wd).body(), "the upload's chunks all survived");
        assertFalse(Api.collectedChunks(api.gc(false)).stream().anyMatch(id -> node.uploads().blob(Digest.parse(wd)).orElseThrow().chunks().stream()
                .anyMatch(c -> c.id().equals(id))), "committed now: still not orphans");
    }

    /**
     * A request body that streams for longer than the orphan grace (it stalls after its first chunk,
     * with GC passes running) keeps its chunks: the gateway renews its hold on them. A PATCH body, a
     * monolithic POST ?digest= and a final PUT with a body; each blob pulls back byte-identical.
     */
    @Test
    void aBodyStreamingLongerThanTheGraceKeepsItsChunks() throws Exception {
        bodiesOutlivingTheGraceSucceed(api, node.port(), "orphans/slow", ORPHAN_GRACE_MS);
    }

    /** Shared with {@link ScaledOutGcApiTest} (gateway, upload- and gc-service in different processes). */
    static void bodiesOutlivingTheGraceSucceed(Api api, int port, String repo, long graceMillis) throws Exception {
        int firstPart = 4 * 1024 * 1024 + 1000; // one whole chunk is stored before the stall
        // PATCH, then the PUT
        byte[] patched = Api.random(firstPart + 300_000);
        HttpResponse<byte[]> started = api.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        assertEquals(202, started.statusCode());
        String answer = stalledBody(api, port, "PATCH", Api.header(started, "Location"), patched, firstPart, graceMillis);
        assertEquals(202, RawHttp.status(answer), answer);
        String location = headerOf(answer, "Location");
        String d = Digest.sha256(patched).toString();
        HttpResponse<byte[]> done = api.send("PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + d, null);
        assertEquals(201, done.statusCode(), () -> "the PATCH body's first chunk was lost: " + new String(done.body()));
        assertArrayEquals(patched, api.get("/v2/" + repo + "/blobs/" + d).body());

        // monolithic: POST ?digest= with the whole blob as its body
        byte[] monolithic = Api.random(firstPart + 200_000);
        String md = Digest.sha256(monolithic).toString();
        answer = stalledBody(api, port, "POST", "/v2/" + repo + "/blobs/uploads/?digest=" + md, monolithic, firstPart, graceMillis);
        assertEquals(201, RawHttp.status(answer), answer);
        assertArrayEquals(monolithic, api.get("/v2/" + repo + "/blobs/" + md).body());

        // the final PUT carrying the body
        byte[] put = Api.random(firstPart + 100_000);
        String pd = Digest.sha256(put).toString();
        HttpResponse<byte[]> session = api.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        String at = Api.header(session, "Location");
        answer = stalledBody(api, port, "PUT", at + (at.contains("?") ? "&" : "?") + "digest=" + pd, put, firstPart, graceMillis);
        assertEquals(201, RawHttp.status(answer), answer);
        assertArrayEquals(put, api.get("/v2/" + repo + "/blobs/" + pd).body());
    }

    /**
     * Sends the body's first {@code firstPart} bytes, stalls past the orphan grace while GC passes
     * run, then sends the rest; returns the response.
     */
    private static String stalledBody(Api api, int port, String method, String path, byte[] body, int firstPart, long graceMillis)
            throws InterruptedException {
        try (RawHttp raw = new RawHttp(port)) {
            raw.send(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n");
            raw.send(java.util.Arrays.copyOf(body, firstPart));
            long stallUntil = System.currentTimeMillis() + graceMillis + 1500;
            while (System.currentTimeMillis() < stallUntil) {
                api.gc(false);
                Thread.sleep(200);
            }
            api.gc(false); // the first chunk is older than the grace now
            raw.send(java.util.Arrays.copyOfRange(body, firstPart, body.length));
            return raw.readResponse();
        }
    }

    private static String headerOf(String response, String name) {
        for (String line : response.split("\r\n")) {
            if (line.toLowerCase().startsWith(name.toLowerCase() + ":")) return line.substring(name.length() + 1).trim();
        }
        throw new AssertionError("no " + name + " in " + response);
    }

    /**
     * A hold that stops (its gateway died mid-body) keeps the chunks it named only for the orphan
     * grace after its last renewal: then they are orphans and collected, while the session lives on.
     */
    @Test
    void chunksOfAHoldThatStopsAreCollectedAfterTheGrace() throws Exception {
        HttpResponse<byte[]> started = api.send("POST", "/v2/orphans/crashed/blobs/uploads/", null);
        String location = Api.header(started, "Location");
        String uploadId = location.substring(location.lastIndexOf('/') + 1);
        // written long ago, as the first chunk of a body that has streamed for hours
        String old = ChunkStore.newUploadChunkId(System.currentTimeMillis() - Duration.ofHours(2).toMillis());
        node.chunks().put(old, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        node.uploads().hold(uploadId, List.of(old));
        assertFalse(Api.collectedChunks(api.gc(false)).contains(old), "held: the body is still streaming");
        assertEquals(3, node.chunks().size(old));
        pastOrphanGrace(); // no renewal: the gateway is gone
        assertTrue(Api.collectedChunks(api.gc(false)).contains(old), "the hold lapsed: an orphan");
        assertEquals(-1, node.chunks().size(old));
        assertTrue(node.uploads().session(uploadId).isPresent(), "the session itself lives on (its idle expiry ends it)");
    }

    /**
     * An append whose answer is lost (the upload-service applied it, the gateway got 503): the PATCH
     * answers 503 but leaves its chunks, which the session now holds, so the upload completes. A
     * second gateway over the node's real services, whose upload client loses the first append's
     * answer.
     */
    @Test
    void aPatchWhoseAppendAnswerIsLostKeepsItsChunks() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean lose = new java.util.concurrent.atomic.AtomicBoolean(true);
        dev.strata.core.spi.UploadService lossy = new LostAnswers(node.uploads(), lose);
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        dev.strata.gateway.Gateway gateway = new dev.strata.gateway.Gateway(dev.strata.gateway.GatewayConfig.defaults("127.0.0.1", 0),
                vertx, lossy, node.manifests(), node.chunks());
        try {
            Api lossyApi = new Api("http://127.0.0.1:" + gateway.start());
            String repo = "orphans/lost-answer";
            HttpResponse<byte[]> started = lossyApi.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
            String location = Api.header(started, "Location");
            byte[] data = Api.random(300_000);
            HttpResponse<byte[]> patched = lossyApi.send("PATCH", location, data, "Content-Type", "application/octet-stream");
            assertEquals(503, patched.statusCode(), () -> new String(patched.body()));
            assertFalse(lose.get(), "the append was applied, its answer lost");
            HttpResponse<byte[]> status = api.get(location);
            assertEquals("0-" + (data.length - 1), Api.header(status, "Range"), "the session holds the PATCH's bytes");
            api.gc(false);
            String d = Digest.sha256(data).toString();
            HttpResponse<byte[]> done = api.send("PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + d, null);
            assertEquals(201, done.statusCode(), () -> "the session's chunk was deleted after the 503: " + new String(done.body()));
            assertArrayEquals(data, api.get("/v2/" + repo + "/blobs/" + d).body());
        } finally {
            gateway.close();
            vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /**
     * An upload completion that was applied (the blob committed and linked) but whose answer fails
     * on the way back with an unexpected error: the gateway cannot know the commit went through, so
     * it must not delete the body's chunks, which the committed blob now holds.
     */
    @Test
    void aCompletionWhoseAnswerFailsKeepsTheBlobsChunks() throws Exception {
        dev.strata.core.spi.ManifestService real = node.manifests();
        dev.strata.core.spi.ManifestService failing = (dev.strata.core.spi.ManifestService) java.lang.reflect.Proxy.newProxyInstance(
                dev.strata.core.spi.ManifestService.class.getClassLoader(), new Class<?>[] {dev.strata.core.spi.ManifestService.class},
                (proxy, method, args) -> {
                    Object answer;
                    try {
                        answer = method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("completeUpload")) throw new IllegalStateException("connection reset after the completion");
                    return answer;
                });
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        dev.strata.gateway.Gateway gateway = new dev.strata.gateway.Gateway(dev.strata.gateway.GatewayConfig.defaults("127.0.0.1", 0),
                vertx, node.uploads(), failing, node.chunks());
        try {
            Api failingApi = new Api("http://127.0.0.1:" + gateway.start());
            String repo = "orphans/failed-answer";
            byte[] data = Api.random(300_000);
            String d = Digest.sha256(data).toString();
            HttpResponse<byte[]> pushed = failingApi.send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + d, data,
                    "Content-Type", "application/octet-stream");
            assertEquals(500, pushed.statusCode(), () -> new String(pushed.body()));
            HttpResponse<byte[]> pulled = api.get("/v2/" + repo + "/blobs/" + d);
            assertEquals(200, pulled.statusCode(), () -> "the committed blob's chunks were deleted: " + new String(pulled.body()));
            assertArrayEquals(data, pulled.body());
        } finally {
            gateway.close();
            vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** An upload service whose first append is applied but answers 503, as when the answer is lost on the way back. */
    private record LostAnswers(dev.strata.core.spi.UploadService delegate, java.util.concurrent.atomic.AtomicBoolean lose)
            implements dev.strata.core.spi.UploadService {
        public dev.strata.core.spi.UploadSession start(String repository) { return delegate.start(repository); }

        public java.util.Optional<dev.strata.core.spi.UploadSession> session(String uploadId) { return delegate.session(uploadId); }

        public dev.strata.core.spi.UploadSession append(String uploadId, long offset, List<dev.strata.core.events.Event.ChunkRef> chunks) {
            dev.strata.core.spi.UploadSession s = delegate.append(uploadId, offset, chunks);
            if (lose.getAndSet(false)) throw dev.strata.core.oci.OciError.UNAVAILABLE.exception("the answer was lost");
            return s;
        }

        public void hold(String uploadId, List<String> chunkIds) { delegate.hold(uploadId, chunkIds); }

        public dev.strata.core.spi.BlobRecord commit(String uploadId, long offset, List<dev.strata.core.events.Event.ChunkRef> lastChunks,
                                                    Digest digest) {
            return delegate.commit(uploadId, offset, lastChunks, digest);
        }

        public void cancel(String uploadId, String reason) { delegate.cancel(uploadId, reason); }

        public List<String> expireIdle(Duration idle) { return delegate.expireIdle(idle); }

        public java.util.Optional<dev.strata.core.spi.BlobRecord> blob(Digest digest) { return delegate.blob(digest); }
    }

    /**
     * Two PUTs complete one upload at once (a client's retry on another connection), each with a
     * body: the winner's chunks make the blob, and the loser's are deleted at once rather than left
     * for the orphan grace.
     */
    @Test
    void theLoserOfTwoCompletingPutsLeavesNoChunks() throws Exception {
        String repo = "orphans/race";
        byte[] data = Api.random(4 * 1024 * 1024 + 50_000); // two chunks per body
        int firstPart = 4 * 1024 * 1024 + 1000;
        String d = Digest.sha256(data).toString();
        HttpResponse<byte[]> started = api.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        String location = Api.header(started, "Location");
        String put = "PUT " + location + (location.contains("?") ? "&" : "?") + "digest=" + d + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: " + data.length + "\r\n\r\n";
        Set<String> before = uploadChunks();
        try (RawHttp a = new RawHttp(node.port()); RawHttp b = new RawHttp(node.port())) {
            a.send(put).send(java.util.Arrays.copyOf(data, firstPart));
            awaitChunks(before, 1); // A is past its session check, its first chunk stored
            b.send(put).send(java.util.Arrays.copyOf(data, firstPart));
            awaitChunks(before, 2); // so is B
            String first = a.send(java.util.Arrays.copyOfRange(data, firstPart, data.length)).readResponse();
            assertEquals(201, RawHttp.status(first), first);
            String second = b.send(java.util.Arrays.copyOfRange(data, firstPart, data.length)).readResponse();
            assertEquals(201, RawHttp.status(second), "the same blob: " + second);
        }
        Set<String> blobChunks = new java.util.HashSet<>();
        node.uploads().blob(Digest.parse(d)).orElseThrow().chunks().forEach(c -> blobChunks.add(c.id()));
        Set<String> added = uploadChunks();
        added.removeAll(before);
        assertEquals(blobChunks, added, "the loser's chunks are gone, the winner's make the blob");
        assertArrayEquals(data, api.get("/v2/" + repo + "/blobs/" + d).body());
    }

    private static Set<String> uploadChunks() {
        Set<String> ids = new java.util.TreeSet<>();
        node.chunks().list("c-", id -> id.startsWith("c-") && ids.add(id));
        return ids;
    }

    private static void awaitChunks(Set<String> before, int more) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            Set<String> now = uploadChunks();
            now.removeAll(before);
            if (now.size() >= more) return;
            if (System.currentTimeMillis() > deadline) throw new AssertionError("no " + more + " new chunks stored: " + now);
            Thread.sleep(20);
        }
    }
}
