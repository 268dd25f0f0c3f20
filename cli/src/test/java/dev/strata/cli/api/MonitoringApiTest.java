package dev.strata.cli.api;

import static dev.strata.cli.api.Api.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.core.oci.Digest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * /healthz, /readyz and /metrics of the gateway of a real node: the counters move with a push and
 * a pull, and request ids are echoed. The registry is shared, so every check compares a scrape
 * before with a scrape after.
 */
class MonitoringApiTest {
    private final Api api = TestRegistry.api();

    private String scrape() {
        HttpResponse<byte[]> r = api.get("/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(header(r, "Content-Type").startsWith("text/plain; version=0.0.4"), header(r, "Content-Type"));
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    /** The value of one series (name with its labels in registration order), 0 when absent. */
    static double sample(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1));
        }
        return 0;
    }

    private static String requests(String route, String method, int status) {
        return "strata_http_requests_total{server=\"gateway\",route=\"" + route + "\",method=\"" + method + "\",status=\"" + status + "\"}";
    }

    @Test
    void aPushAndAPullMoveTheCounters() throws Exception {
        String repo = Api.uniqueRepo("metrics");
        byte[] data = Api.random(300_000);
        String digest = Digest.sha256(data).toString();
        String before = scrape();

        HttpResponse<byte[]> start = api.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        assertEquals(202, start.statusCode());
        String loc = header(start, "Location");
        assertEquals(202, api.send("PATCH", loc, Arrays.copyOfRange(data, 0, 200_000), "Content-Type", "application/octet-stream",
                "Content-Range", "0-199999").statusCode());
        String sep = loc.contains("?") ? "&" : "?";
        assertEquals(201, api.send("PUT", loc + sep + "digest=" + digest, Arrays.copyOfRange(data, 200_000, 300_000),
                "Content-Type", "application/octet-stream").statusCode());
        assertEquals(201, api.putManifest(repo, "v1", Api.OCI_MANIFEST, Api.bytes(api.imageManifest(repo, 1, Api.OCI_MANIFEST)))
                .statusCode());
        HttpResponse<byte[]> pulled = api.get("/v2/" + repo + "/blobs/" + digest);
        assertEquals(200, pulled.statusCode());
        assertEquals(404, api.get("/v2/" + repo + "/manifests/absent").statusCode());

        String after = scrape();
        assertEquals(sample(before, requests("blob_uploads", "POST", 202)) + 1, sample(after, requests("blob_uploads", "POST", 202)));
        assertEquals(sample(before, requests("blob_uploads", "PATCH", 202)) + 1, sample(after, requests("blob_uploads", "PATCH", 202)));
        assertTrue(sample(after, requests("blob_uploads", "PUT", 201)) >= sample(before, requests("blob_uploads", "PUT", 201)) + 1);
        assertTrue(sample(after, requests("blobs", "GET", 200)) >= sample(before, requests("blobs", "GET", 200)) + 1);
        assertTrue(sample(after, requests("manifests", "GET", 404)) >= sample(before, requests("manifests", "GET", 404)) + 1);
        String in = "strata_http_received_bytes_total{server=\"gateway\",route=\"blob_uploads\"}";
        String out = "strata_http_sent_bytes_total{server=\"gateway\",route=\"blobs\"}";
        assertTrue(sample(after, in) - sample(before, in) >= data.length, after);
        assertTrue(sample(after, out) - sample(before, out) >= data.length, after);
        String started = "strata_upload_sessions_total{event=\"started\"}";
        String completed = "strata_upload_sessions_total{event=\"completed\"}";
        assertTrue(sample(after, started) - sample(before, started) >= 1);
        assertTrue(sample(after, completed) - sample(before, completed) >= 1);
        String appended = "strata_upload_appended_bytes_total";
        assertTrue(sample(after, appended) - sample(before, appended) >= data.length);
        // the chunk store under the gateway and the services: puts and stats (the commit's check) ok, bytes both ways
        String puts = "strata_chunk_store_operations_total{operation=\"put\",outcome=\"ok\"}";
        String stats = "strata_chunk_store_operations_total{operation=\"size\",outcome=\"ok\"}";
        String written = "strata_chunk_store_bytes_total{direction=\"written\"}";
        String read = "strata_chunk_store_bytes_total{direction=\"read\"}";
        assertTrue(sample(after, puts) - sample(before, puts) >= 2, after); // the PATCH's chunk and the PUT's
        assertTrue(sample(after, stats) - sample(before, stats) >= 2, after);
        assertTrue(sample(after, written) - sample(before, written) >= data.length, after);
        assertTrue(sample(after, read) - sample(before, read) >= data.length, after);
        assertTrue(sample(after, "strata_chunk_store_operation_seconds_total{operation=\"put\"}")
                > sample(before, "strata_chunk_store_operation_seconds_total{operation=\"put\"}"), after);
        assertTrue(after.contains("# TYPE strata_chunk_store_operations_total counter"), after);
        assertTrue(after.contains("strata_chunk_store_operation_max_seconds{operation=\"read\"}"), after);
        assertTrue(after.contains("strata_projection_lag_records{projection=\"repositories\",topic=\"strata.repositories\""), after);
        assertTrue(after.contains("strata_projection_up{projection=\"gc\"} 1"), after);
        assertTrue(after.contains("# TYPE strata_gc_passes_total counter"), after);
        // storage usage comes from the gc projection, which applies the commit shortly after the push
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (sample(scrape(), "strata_storage_bytes") < data.length && System.nanoTime() < deadline) Thread.sleep(100);
        assertTrue(sample(scrape(), "strata_storage_bytes") >= data.length);
    }

    @Test
    void livenessAndReadiness() throws Exception {
        HttpResponse<byte[]> live = api.get("/healthz");
        assertEquals(200, live.statusCode());
        assertEquals("ok", Api.json(live).get("status").asText());
        HttpResponse<byte[]> ready = api.get("/readyz");
        assertEquals(200, ready.statusCode(), new String(ready.body(), StandardCharsets.UTF_8));
        JsonNode body = Api.json(ready);
        assertEquals("ready", body.get("status").asText());
        assertEquals("ok", body.get("checks").get("projections").asText());
        assertEquals(405, api.send("POST", "/metrics", new byte[0]).statusCode());
        assertEquals(200, api.head("/readyz").statusCode());
    }

    @Test
    void requestIdsAreEchoedOrMinted() {
        assertEquals("ci-build-7.step:3", header(api.get("/v2/", "X-Request-Id", "ci-build-7.step:3"), "X-Request-Id"));
        String minted = header(api.get("/v2/", "X-Request-Id", "not ok!"), "X-Request-Id");
        assertTrue(minted.matches("[0-9a-f]{32}"), minted);
        assertNotEquals(minted, header(api.get("/v2/"), "X-Request-Id"));
        // errors carry it too
        HttpResponse<byte[]> err = api.get("/v2/no/such/thing", "X-Request-Id", "err-1");
        assertEquals(404, err.statusCode());
        assertEquals("err-1", header(err, "X-Request-Id"));
    }
}
