package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.cli.InJvmCluster;
import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.oci.Digest;
import dev.strata.core.spi.ChunkStore;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gc-service as {@code strata gc-service --config FILE} runs it, in the scaled-out wiring
 * ({@link InJvmCluster}: upload-, manifest-, gc-service and gateway talking over their internal HTTP
 * APIs, a real Kafka broker and a storage node): orphan chunks are judged by the gc projection's own
 * view of the live upload sessions, and the settings of {@code serve} (untagged retention, the time
 * machine, the delete cascade, namespace prefixes) come from its YAML config. Orphan grace 3 s,
 * untagged retention 2 s, time machine 6 s; blobs keep a 1 h grace, so only orphans and manifests go.
 */
class ScaledOutGcApiTest {
    private static final long ORPHAN_GRACE_MS = 3000;
    private static final long RETENTION_MS = 2000;
    private static final long TIME_MACHINE_MS = 6000;
    private static InJvmCluster cluster;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "scaled-out-gc-").toAbsolutePath();
        cluster = InJvmCluster.start(dir, "grace: 1h\ninterval: 0\norphanGrace: " + ORPHAN_GRACE_MS + "ms\n"
                + "untaggedRetention: " + RETENTION_MS + "ms\ntimeMachine: " + TIME_MACHINE_MS + "ms\nnamespacePrefixes: [org/team]\n");
        api = new Api("http://127.0.0.1:" + cluster.port());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) cluster.close();
    }

    private static String uploadId(String location) {
        String path = location.contains("?") ? location.substring(0, location.indexOf('?')) : location;
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static String patch(String location, byte[] part) {
        HttpResponse<byte[]> p = api.send("PATCH", location, part, "Content-Type", "application/octet-stream");
        assertEquals(202, p.statusCode(), () -> new String(p.body()));
        return Api.header(p, "Location");
    }

    /**
     * Request bodies streaming longer than the orphan grace (PATCH, monolithic POST, PUT with a body)
     * keep their chunks with the gateway, upload- and gc-service in different processes: the
     * gateway's holds (every second here) reach the gc-service through the log.
     */
    @Test
    void bodiesStreamingLongerThanTheGraceKeepTheirChunks() throws Exception {
        OrphanChunkGcApiTest.bodiesOutlivingTheGraceSucceed(api, cluster.port(), "scaled/slow", ORPHAN_GRACE_MS);
    }

    /** The upload commit's check of its chunks ({@link LostChunkApiTest}) in the upload-service process, over the storage node. */
    @Test
    void aPutOverAChunkLostOnTheStorageNodeIsRefusedAndRecordsNothing() {
        LostChunkApiTest.lostChunkIsRefused(api, api, cluster.chunks(), cluster.uploads(), "scaled/lost", false);
    }

    /** The same, with the PUT on a second gateway, which has no digest state for the upload and re-hashes its chunks. */
    @Test
    void aPutOnAnotherGatewayOverALostChunkIsRefusedAndRecordsNothing() throws Exception {
        Api other = new Api("http://127.0.0.1:" + cluster.startGateway());
        LostChunkApiTest.lostChunkIsRefused(api, other, cluster.chunks(), cluster.uploads(), "scaled/lost-elsewhere", false);
        LostChunkApiTest.lostChunkIsRefused(api, other, cluster.chunks(), cluster.uploads(), "scaled/short-elsewhere", true);
    }

    @Test
    void orphanChunksGoAfterTheGraceWhileAnUploadInProgressKeepsItsChunks() throws Exception {
        ChunkStore chunks = cluster.chunks();
        long now = System.currentTimeMillis();
        String old = ChunkStore.newUploadChunkId(now - Duration.ofHours(2).toMillis());
        String fresh = ChunkStore.newUploadChunkId(now);
        for (String id : List.of(old, fresh)) chunks.put(id, ByteBuffer.wrap(new byte[] {1, 2, 3}));

        // an upload in progress: a session with chunks on the storage node, left open across a pass
        String repo = "scaled/orphans";
        HttpResponse<byte[]> started = api.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        assertEquals(202, started.statusCode(), () -> new String(started.body()));
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        byte[] first = Api.random(300_000);
        whole.write(first);
        String location = patch(Api.header(started, "Location"), first);
        List<ChunkRef> held = cluster.uploads().session(uploadId(location)).orElseThrow().chunks();
        assertFalse(held.isEmpty(), "the PATCH stored chunks");

        Thread.sleep(ORPHAN_GRACE_MS + 300); // every chunk above is past the orphan grace now
        JsonNode dry = api.gc(true);
        assertTrue(Api.collectedChunks(dry).containsAll(List.of(old, fresh)), dry::toString);
        Set<String> collected = Api.collectedChunks(api.gc(false));
        assertTrue(collected.containsAll(List.of(old, fresh)), "held by no blob and no session: collected; " + collected);
        assertEquals(-1, chunks.size(old));
        assertEquals(-1, chunks.size(fresh));
        for (ChunkRef c : held) {
            assertFalse(collected.contains(c.id()), "a live session's chunk is no orphan: " + c.id());
            assertEquals(c.length(), chunks.size(c.id()), "the live session's chunk survived the pass");
        }

        // the upload then completes with the right digest, every byte intact
        byte[] last = Api.random(70_000);
        whole.write(last);
        location = patch(location, last);
        String digest = Digest.sha256(whole.toByteArray()).toString();
        String put = location + (location.contains("?") ? "&" : "?") + "digest=" + digest;
        HttpResponse<byte[]> done = api.send("PUT", put, null);
        assertEquals(201, done.statusCode(), () -> new String(done.body()));
        assertEquals(digest, Api.header(done, "Docker-Content-Digest"));
        HttpResponse<byte[]> pulled = api.get("/v2/" + repo + "/blobs/" + digest);
        assertEquals(200, pulled.statusCode());
        assertArrayEquals(whole.toByteArray(), pulled.body());
        assertEquals(digest, Digest.sha256(pulled.body()).toString());

        Thread.sleep(ORPHAN_GRACE_MS + 300);
        Set<String> after = Api.collectedChunks(api.gc(false));
        for (ChunkRef c : cluster.uploads().blob(Digest.parse(digest)).orElseThrow().chunks()) {
            assertFalse(after.contains(c.id()), "a committed blob's chunk is no orphan");
            assertEquals(c.length(), chunks.size(c.id()));
        }
    }

    @Test
    void retentionTheTimeMachineAndTheCascadeRunThroughTheManifestService() throws Exception {
        String repo = "org/team/app";
        String subject = api.putManifest(repo, null, api.imageManifest(repo, 1, Api.OCI_MANIFEST)); // pushed by digest: untagged
        assertFalse(Api.collectedManifests(api.gc(true)).containsKey(repo + "@" + subject), "not within the retention");
        String sig = api.pushReferrer(repo, subject, "sig");
        String kept = api.putManifest(repo, "keep", api.imageManifest(repo, 1, Api.OCI_MANIFEST));
        String retagged = api.putManifest(repo, "moving", api.imageManifest(repo, 1, Api.OCI_MANIFEST));
        api.putManifest(repo, "moving", api.imageManifest(repo, 1, Api.OCI_MANIFEST)); // the tag moves on: retagged is untagged now

        long movedAt = System.currentTimeMillis();
        Thread.sleep(RETENTION_MS + 500); // past the untagged retention, inside the time-machine window
        Map<String, String> collected = Api.collectedManifests(api.gc(false));
        assertTrue(collected.getOrDefault(repo + "@" + subject, "").contains("untagged since"), collected::toString);
        assertTrue(collected.getOrDefault(repo + "@" + sig, "").contains("referrer of " + subject), "the cascade: " + collected);
        assertFalse(collected.containsKey(repo + "@" + retagged), "a tag pointed at it: the time machine keeps it");
        assertFalse(collected.containsKey(repo + "@" + kept), "a tagged manifest stays");
        assertError(api.get("/v2/" + repo + "/manifests/" + subject), 404, "MANIFEST_UNKNOWN");
        assertError(api.get("/v2/" + repo + "/manifests/" + sig), 404, "MANIFEST_UNKNOWN");
        assertEquals(200, api.get("/v2/" + repo + "/manifests/" + retagged).statusCode());

        Thread.sleep(Math.max(0, movedAt + TIME_MACHINE_MS + 500 - System.currentTimeMillis()));
        collected = Api.collectedManifests(api.gc(false));
        assertTrue(collected.getOrDefault(repo + "@" + retagged, "").contains("time-machine window"), collected::toString);
        assertError(api.get("/v2/" + repo + "/manifests/" + retagged), 404, "MANIFEST_UNKNOWN");
        assertEquals(200, api.get("/v2/" + repo + "/manifests/keep").statusCode());
    }

    @Test
    void namespacePrefixesFromTheConfigAreQuotaNamespaces() {
        byte[] blob = Api.random(4000);
        api.pushBlob("org/team/quota", blob);
        HttpResponse<byte[]> set = api.send("PUT", "/strata/v1/quotas/org/team?bytes=1000000", null);
        assertEquals(200, set.statusCode(), () -> new String(set.body()));
        JsonNode q = Api.json(api.get("/strata/v1/quotas/org/team"));
        assertEquals(1_000_000, q.path("quota").asLong());
        assertTrue(q.path("usage").asLong() >= 4000, q::toString);
        assertError(api.send("PUT", "/strata/v1/quotas/other/team?bytes=1", null), 400, "NAME_INVALID");
    }
}
