package dev.strata.cli.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.cli.ServeConfig;
import dev.strata.cli.SingleNode;
import dev.strata.core.spi.KvStore;
import dev.strata.gc.GcConfig;
import dev.strata.inspector.TarBuilder;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A layer's index is collected when garbage collection deletes the layer. */
class InspectGcApiTest {
    private static final long GRACE_MS = 1000;

    @Test
    void theLayerIndexGoesWithItsLayer() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "inspect-gc-").toAbsolutePath();
        try (SingleNode node = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir, 2),
                new GcConfig(Duration.ofMillis(GRACE_MS), Duration.ZERO, 10_000, Duration.ofSeconds(3)))) {
            Api api = new Api("http://127.0.0.1:" + node.port());
            String repo = "inspect/gc";
            byte[] layer = new TarBuilder().file("etc/motd", "hello").file("big", Api.random(50_000)).gzip();
            byte[] cfg = "{\"os\":\"linux\",\"history\":[{\"created_by\":\"ADD motd\"}]}".getBytes();
            String layerDigest = api.pushBlob(repo, layer);
            ObjectNode m = Api.JSON.createObjectNode();
            m.put("schemaVersion", 2);
            m.put("mediaType", Api.OCI_MANIFEST);
            m.set("config", Api.descriptor("application/vnd.oci.image.config.v1+json", api.pushBlob(repo, cfg), cfg.length));
            m.putArray("layers").add(Api.descriptor(InspectApiTest.LAYER_GZIP, layerDigest, layer.length));
            HttpResponse<byte[]> put = api.putManifest(repo, "v1", Api.OCI_MANIFEST, Api.bytes(m));
            assertEquals(201, put.statusCode(), () -> new String(put.body()));
            String manifest = Api.header(put, "Docker-Content-Digest");
            JsonNode h = Api.json(api.get("/strata/v1/repositories/" + repo + "/manifests/v1/history"));
            assertEquals("ADD motd", h.path("steps").get(0).path("createdBy").asText(), h.toString());
            KvStore index = node.inspector().store();
            assertNotNull(index.get("L/" + layerDigest));
            assertTrue(keys(index, "E/" + layerDigest + "/").size() > 0);

            assertEquals(202, api.delete("/v2/" + repo + "/manifests/" + manifest).statusCode());
            Thread.sleep(GRACE_MS + 200);
            HttpResponse<byte[]> gc = api.send("POST", "/strata/v1/gc", null);
            assertEquals(200, gc.statusCode(), () -> new String(gc.body()));
            assertTrue(new String(gc.body()).contains(layerDigest), "GC collected the layer: " + new String(gc.body()));

            // the inspector applies BlobDeleted from the blobs topic; wait (bounded) until it has, for the
            // layer and the config (their events are keyed by digest, so they may sit on different
            // partitions and be applied in either order)
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while ((index.get("L/" + layerDigest) != null || !keys(index, "C/").isEmpty()) && System.nanoTime() < deadline) Thread.sleep(50);
            assertEquals(null, index.get("L/" + layerDigest), "the layer summary is collected");
            assertEquals(List.of(), keys(index, "E/" + layerDigest + "/"), "the entry pages are collected");
            assertTrue(keys(index, "C/").isEmpty(), "the config summary is collected");
            assertTrue(node.inspector().projection().healthy());
        }
    }

    private static List<String> keys(KvStore store, String prefix) {
        List<String> out = new ArrayList<>();
        store.scan(prefix, null, (k, v) -> out.add(k));
        return out;
    }
}
