package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cli.InJvmCluster;
import dev.strata.cli.Relay;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The GC fence across processes ({@link InJvmCluster}: upload-, manifest-, gc-service and gateway
 * over their internal HTTP APIs; validation window 2 s, blob grace 1 s). The manifest-service
 * reaches the upload-service through a {@link Relay}, which holds the answer of its check of a blob
 * (a mount's lookup, an upload's dedup commit) while a GC pass schedules the blob's deletion, waits
 * out the window and deletes it: the link that comes after must be refused, never answered 201 over
 * a blob that is gone.
 */
class ScaledOutGcFenceTest {
    private static final long GRACE_MS = 1000;
    private static Relay relay;
    private static InJvmCluster cluster;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "scaled-out-fence-").toAbsolutePath();
        relay = new Relay();
        cluster = InJvmCluster.start(dir, "grace: " + GRACE_MS + "ms\ninterval: 0\n", relay);
        api = new Api("http://127.0.0.1:" + cluster.port());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) cluster.close();
        if (relay != null) relay.close();
    }

    private static Set<String> collected(com.fasterxml.jackson.databind.JsonNode report) {
        Set<String> out = new HashSet<>();
        report.path("collected").forEach(c -> out.add(c.path("digest").asText()));
        return out;
    }

    /**
     * Sends {@code method path} while a GC pass runs between the manifest-service's check of the
     * blob (its answer held by the relay) and what it does next; returns the answer to the client.
     */
    private static HttpResponse<byte[]> racingGc(String op, String digest, String method, String path, byte[] body) throws Exception {
        Relay.Hold hold = relay.holdAnswer(op);
        CompletableFuture<HttpResponse<byte[]>> answer = CompletableFuture.supplyAsync(() -> api.send(method, path, body,
                "Content-Type", "application/octet-stream"));
        try {
            assertTrue(hold.awaitHeld(Duration.ofSeconds(30)), "the manifest-service checked the blob (" + op + ")");
            // schedules the deletion, waits out the validation window, finds no link, deletes
            assertTrue(collected(api.gc(false)).contains(digest), "the pass collected the blob while the check's answer was held");
        } finally {
            hold.release();
        }
        return answer.get(60, TimeUnit.SECONDS);
    }

    /** A 201 is a promise: the blob is readable, byte for byte. */
    private static void keptIfCreated(HttpResponse<byte[]> r, String repo, String digest, byte[] data) {
        if (r.statusCode() != 201) return;
        assertEquals(200, api.head("/v2/" + repo + "/blobs/" + digest).statusCode(), "answered 201, then the blob is gone");
        assertArrayEquals(data, api.get("/v2/" + repo + "/blobs/" + digest).body());
    }

    @Test
    void aMountWhoseCheckPrecededTheDeletionIsNotLinkedAfterIt() throws Exception {
        byte[] data = Api.random(40_000);
        String d = api.pushBlob("fence/mount-src", data);
        Thread.sleep(GRACE_MS + 300);
        HttpResponse<byte[]> mount = racingGc("uploads.blob", d, "POST",
                "/v2/fence/mount-dst/blobs/uploads/?mount=" + d + "&from=fence/mount-src", null);
        keptIfCreated(mount, "fence/mount-dst", d, data);
        // the link came too late for the fence; checked again, the blob is gone: an upload session instead
        assertEquals(202, mount.statusCode(), () -> new String(mount.body()));
        assertError(api.head("/v2/fence/mount-dst/blobs/" + d), 404, "BLOB_UNKNOWN");
        assertEquals(d, api.pushBlob("fence/mount-dst", data));
        assertArrayEquals(data, api.get("/v2/fence/mount-dst/blobs/" + d).body());
    }

    @Test
    void aDedupPushWhoseCommitPrecededTheDeletionIsNotLinkedAfterIt() throws Exception {
        byte[] data = Api.random(40_000);
        String d = api.pushBlob("fence/push-a", data);
        Thread.sleep(GRACE_MS + 300);
        // the same bytes again, elsewhere: the commit finds the blob stored (a dedup) and drops its own chunks
        HttpResponse<byte[]> push = racingGc("uploads.commit", d, "POST", "/v2/fence/push-b/blobs/uploads/?digest=" + d, data);
        keptIfCreated(push, "fence/push-b", d, data);
        // too late for the fence, and the blob it completed with is gone: the client uploads again
        assertError(push, 404, "BLOB_UPLOAD_UNKNOWN");
        assertError(api.head("/v2/fence/push-b/blobs/" + d), 404, "BLOB_UNKNOWN");
        assertEquals(d, api.pushBlob("fence/push-b", data));
        assertArrayEquals(data, api.get("/v2/fence/push-b/blobs/" + d).body());
    }
}
