package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cli.SingleNode;
import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.oci.Digest;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.UploadService;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The upload commit's second guard, on a real node (RocksDB chunks, Kafka, the gateway over HTTP):
 * a chunk of an upload deleted, or cut short, in the chunk store before the final PUT makes that
 * PUT fail with BLOB_UPLOAD_INVALID instead of acknowledging a blob with missing bytes. Nothing is
 * recorded, the session is cancelled (its other chunks deleted), other blobs are untouched, and a
 * fresh upload of the same bytes succeeds. {@link ScaledOutGcApiTest} runs the same scenario through
 * an upload-service process and a storage node.
 */
class LostChunkApiTest {
    private final Api api = TestRegistry.api();
    private final SingleNode node = TestRegistry.node();

    @Test
    void aPutOverADeletedChunkIsRefusedAndRecordsNothing() {
        lostChunkIsRefused(api, api, node.chunks(), node.uploads(), Api.uniqueRepo("lost/deleted"), false);
    }

    @Test
    void aPutOverAChunkCutShortIsRefusedAndRecordsNothing() {
        lostChunkIsRefused(api, api, node.chunks(), node.uploads(), Api.uniqueRepo("lost/short"), true);
    }

    /**
     * The other side of the check: a chunk store that does not answer (the only storage node
     * stopped) is no proof of loss, so the PUT answers 503 and the session stays; once the node is
     * back the same PUT completes the blob. Meanwhile serve's /metrics shows the node suspect.
     */
    @Test
    void aStoreThatDoesNotAnswerLeavesTheSessionForARetry() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target"), "lost-unavailable-").toAbsolutePath();
        dev.strata.storage.StorageNodeConfig nodeConfig = new dev.strata.storage.StorageNodeConfig("127.0.0.1:0", "rocksdb",
                dir.resolve("node-a"), "node-a", null, null, null, null, 4, null);
        dev.strata.storage.StorageNode storage = dev.strata.storage.StorageNode.start(nodeConfig);
        int nodePort = storage.port();
        var placement = new dev.strata.storage.PlacementConfig(java.util.Map.of("node-a", "http://127.0.0.1:" + nodePort), 1, 1);
        try (SingleNode serve = SingleNode.start(new dev.strata.cli.ServeConfig("127.0.0.1", 0, dir.resolve("serve"), 2).withPlacement(placement),
                dev.strata.gc.GcConfig.defaults())) {
            Api own = new Api("http://127.0.0.1:" + serve.port());
            String repo = "lost/unavailable";
            byte[] data = Api.random(300_000);
            String digest = Digest.sha256(data).toString();
            HttpResponse<byte[]> started = own.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
            assertEquals(202, started.statusCode(), () -> new String(started.body()));
            HttpResponse<byte[]> p = own.send("PATCH", Api.header(started, "Location"), data, "Content-Type", "application/octet-stream");
            assertEquals(202, p.statusCode(), () -> new String(p.body()));
            String location = Api.header(p, "Location");
            String uploadId = Api.header(p, "Docker-Upload-UUID");
            String put = location + (location.contains("?") ? "&" : "?") + "digest=" + digest;

            storage.close();
            assertError(own.send("PUT", put, null), 503, "UNAVAILABLE");
            assertTrue(serve.uploads().session(uploadId).isPresent(), "the session stays for a retry");
            assertTrue(new String(own.get("/metrics").body()).contains("strata_storage_node_suspect{node=\"node-a\"} 1"));

            storage = dev.strata.storage.StorageNode.start(new dev.strata.storage.StorageNodeConfig("127.0.0.1:" + nodePort, "rocksdb",
                    dir.resolve("node-a"), "node-a", null, null, null, null, 4, null));
            HttpResponse<byte[]> done = own.send("PUT", put, null);
            assertEquals(201, done.statusCode(), () -> new String(done.body()));
            assertArrayEquals(data, own.get("/v2/" + repo + "/blobs/" + digest).body());
            assertTrue(new String(own.get("/metrics").body()).contains("strata_storage_node_suspect{node=\"node-a\"} 0"));
        } finally {
            storage.close();
        }
    }

    /**
     * Starts an upload, PATCHes two chunks' worth, then loses its first chunk straight in
     * {@code chunks} (deleted, or with {@code truncate} rewritten one byte short), and completes it
     * through {@code putApi}: the same gateway (the upload-service's check at commit), or another
     * one, which re-hashes the stored chunks first and meets the loss there.
     */
    static void lostChunkIsRefused(Api api, Api putApi, ChunkStore chunks, UploadService uploads, String repo, boolean truncate) {
        byte[] other = Api.random(100_000);
        String otherDigest = api.pushBlob(repo, other);

        byte[] data = Api.random(5 * 1024 * 1024 + 11); // 4 MiB chunks: two of them, then the PUT's own
        byte[] patched = Arrays.copyOf(data, data.length - 1000);
        String digest = Digest.sha256(data).toString();
        HttpResponse<byte[]> started = api.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        assertEquals(202, started.statusCode(), () -> new String(started.body()));
        HttpResponse<byte[]> p = api.send("PATCH", Api.header(started, "Location"), patched, "Content-Type", "application/octet-stream");
        assertEquals(202, p.statusCode(), () -> new String(p.body()));
        String location = Api.header(p, "Location");
        String uploadId = Api.header(p, "Docker-Upload-UUID");
        List<ChunkRef> sessionChunks = uploads.session(uploadId).orElseThrow().chunks();
        assertEquals(2, sessionChunks.size(), sessionChunks::toString);

        ChunkRef lost = sessionChunks.get(0);
        assertTrue(chunks.delete(lost.id()));
        if (truncate) chunks.put(lost.id(), ByteBuffer.wrap(Arrays.copyOf(patched, (int) lost.length() - 1)));

        String put = location + (location.contains("?") ? "&" : "?") + "digest=" + digest;
        HttpResponse<byte[]> refused = putApi.send("PUT", put, Arrays.copyOfRange(data, patched.length, data.length),
                "Content-Type", "application/octet-stream");
        assertError(refused, 400, "BLOB_UPLOAD_INVALID");
        String message = Api.json(refused).path("errors").path(0).path("message").asText();
        assertTrue(message.contains("upload data lost: chunk " + lost.id()) && message.contains("start the upload again"), message);
        if (api == putApi) assertTrue(message.contains(truncate ? (lost.length() - 1) + " bytes, " + lost.length() + " expected" : "missing"), message);

        // nothing recorded: the blob is unknown, the session is gone with its other chunks
        assertError(api.head("/v2/" + repo + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
        assertTrue(uploads.blob(Digest.parse(digest)).isEmpty());
        assertTrue(uploads.session(uploadId).isEmpty(), "the session is cancelled");
        assertEquals(-1, chunks.size(sessionChunks.get(1).id()), "the session's other chunks are deleted");
        assertError(api.send("PUT", put, new byte[0], "Content-Type", "application/octet-stream"), 404, "BLOB_UPLOAD_UNKNOWN");

        // the server keeps serving: the other blob is intact, and a fresh upload of the same bytes succeeds
        assertArrayEquals(other, api.get("/v2/" + repo + "/blobs/" + otherDigest).body());
        HttpResponse<byte[]> again = api.send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, data,
                "Content-Type", "application/octet-stream");
        assertEquals(201, again.statusCode(), () -> new String(again.body()));
        assertArrayEquals(data, api.get("/v2/" + repo + "/blobs/" + digest).body());
    }
}
