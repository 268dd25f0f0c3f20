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
