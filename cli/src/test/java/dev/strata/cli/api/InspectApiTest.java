package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static dev.strata.cli.api.Api.header;
import static dev.strata.cli.api.Api.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.cli.SingleNode;
import dev.strata.core.log.LogConfig;
import dev.strata.core.log.Projection;
import dev.strata.core.log.Replay;
import dev.strata.core.spi.MemoryKvStore;
import dev.strata.inspector.InspectorService;
import dev.strata.inspector.TarBuilder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The inspector API against the real single node: layers in gzip, zstd and plain tar, pushed over
 * HTTP, indexed by the projection from Kafka, answered from RocksDB.
 */
class InspectApiTest {
    static final String LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final String LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    static final String LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
    private static final Api api = TestRegistry.api();
    static String repo;
    static String digestA;
    static String digestB;
    static List<String> layers = new ArrayList<>();
    static byte[] big = Api.random(700_000);
    static byte[] tar0;

    @BeforeAll
    static void pushImages() {
        repo = Api.uniqueRepo("inspect/app");
        tar0 = new TarBuilder().dir("etc", 0755).file("etc/os-release", "NAME=base\n").file("etc/passwd", "root:x:0:0\n")
                .entry("bin/tool", '0', 04755, 1000, 100, "", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8))
                .dir("var", 0755).dir("var/lib", 0755).file("var/lib/old", "o").tar();
        byte[] l0 = TarBuilder.gzip(tar0);
        byte[] l1 = new TarBuilder().file("etc/os-release", "NAME=strata\n").whiteout("etc", "passwd").dir("var/lib", 0700)
                .opaque("var/lib").file("var/lib/new", "n").symlink("etc/localtime", "/usr/share/zoneinfo/UTC").zstd();
        byte[] l2 = new TarBuilder().file("data/big.bin", big).hardlink("data/same.bin", "data/big.bin").tar();
        ObjectNode m = manifest(List.of(l0, l1, l2), List.of(LAYER_GZIP, LAYER_ZSTD, LAYER_TAR),
                List.of(step("ADD base /", false), step("ENV A=1", true), step("RUN update", false), step("COPY data /data", false)));
        digestA = push("a", m);
        byte[] l3 = new TarBuilder().file("etc/added", "+").whiteout("data", "same.bin").file("etc/os-release", "NAME=strata 2\n").gzip();
        ObjectNode mb = manifest(List.of(l0, l1, l2, l3), List.of(LAYER_GZIP, LAYER_ZSTD, LAYER_TAR, LAYER_GZIP),
                List.of(step("ADD base /", false), step("ENV A=1", true), step("RUN update", false), step("COPY data /data", false),
                        step("RUN change", false)));
        digestB = push("b", mb);
    }

    static ObjectNode step(String createdBy, boolean empty) {
        ObjectNode h = Api.JSON.createObjectNode();
        h.put("created", "2026-11-29T00:00:00Z");
        h.put("created_by", createdBy);
        if (empty) h.put("empty_layer", true);
        return h;
    }

    static ObjectNode manifest(List<byte[]> blobs, List<String> types, List<ObjectNode> history) {
        ObjectNode cfg = Api.JSON.createObjectNode();
        cfg.put("architecture", "amd64");
        cfg.put("os", "linux");
        cfg.putArray("history").addAll(history);
        byte[] cfgBytes = Api.bytes(cfg);
        ObjectNode m = Api.JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", Api.OCI_MANIFEST);
        m.set("config", Api.descriptor("application/vnd.oci.image.config.v1+json", api.pushBlob(repo, cfgBytes), cfgBytes.length));
        ArrayNode ls = m.putArray("layers");
        layers.clear();
        for (int i = 0; i < blobs.size(); i++) {
            String d = api.pushBlob(repo, blobs.get(i));
            layers.add(d);
            ls.add(Api.descriptor(types.get(i), d, blobs.get(i).length));
        }
        return m;
    }

    static String push(String tag, ObjectNode m) {
        HttpResponse<byte[]> r = api.putManifest(repo, tag, Api.OCI_MANIFEST, Api.bytes(m));
        assertEquals(201, r.statusCode(), () -> new String(r.body()));
        return header(r, "Docker-Content-Digest");
    }

    static String base(String ref) {
        return "/strata/v1/repositories/" + repo + "/manifests/" + ref;
    }

    static JsonNode ok(String path) {
        HttpResponse<byte[]> r = api.get(path);
        assertEquals(200, r.statusCode(), () -> path + ": " + new String(r.body()));
        assertEquals("application/json", header(r, "Content-Type"));
        return json(r);
    }

    @Test
    void historyHasEveryStepWithSizesCompressionAndCounts() {
        JsonNode h = ok(base("a") + "/history");
        assertEquals(digestA, h.path("digest").asText());
        JsonNode steps = h.path("steps");
        assertEquals(4, steps.size(), h.toString());
        assertEquals("ADD base /", steps.get(0).path("createdBy").asText());
        assertEquals("gzip", steps.get(0).path("compression").asText());
        assertEquals(tar0.length, steps.get(0).path("uncompressedSize").asLong());
        assertEquals(7, steps.get(0).path("entries").asInt());
        assertEquals(4, steps.get(0).path("added").asInt(), "files added by the first layer: " + steps.get(0));
        assertTrue(steps.get(1).path("emptyLayer").asBoolean());
        assertEquals("ENV A=1", steps.get(1).path("createdBy").asText());
        assertTrue(steps.get(1).path("digest").isMissingNode());
        JsonNode l1 = steps.get(2);
        assertEquals("zstd", l1.path("compression").asText());
        assertEquals(2, l1.path("added").asInt(), l1.toString()); // var/lib/new, etc/localtime
        assertEquals(1, l1.path("changed").asInt(), l1.toString()); // etc/os-release
        assertEquals(2, l1.path("deleted").asInt(), l1.toString()); // etc/passwd, var/lib/old (opaque)
        assertEquals("none", steps.get(3).path("compression").asText());
        assertTrue(steps.get(3).path("errors").isMissingNode());
    }

    @Test
    void mergedListingAppliesWhiteoutsAndOpaqueDirectories() {
        JsonNode etc = ok(base("a") + "/fs?path=/etc");
        List<String> names = new ArrayList<>();
        etc.path("entries").forEach(e -> names.add(e.path("path").asText()));
        assertEquals(List.of("/etc/localtime", "/etc/os-release"), names);
        JsonNode os = etc.path("entries").get(1);
        assertEquals(layers.get(1), os.path("layer").asText(), "os-release comes from the layer that changed it");
        assertEquals(12, os.path("size").asLong());
        assertEquals("/usr/share/zoneinfo/UTC", etc.path("entries").get(0).path("link").asText());
        JsonNode lib = ok(base("a") + "/fs?path=var/lib/");
        assertEquals(1, lib.path("entries").size(), lib.toString());
        assertEquals("/var/lib/new", lib.path("entries").get(0).path("path").asText());
        assertEquals(0700, lib.path("dir").path("mode").asInt());
        JsonNode root = ok(base(digestA) + "/fs");
        List<String> top = new ArrayList<>();
        root.path("entries").forEach(e -> top.add(e.path("path").asText()));
        assertEquals(List.of("/bin", "/data", "/etc", "/var"), top);
        JsonNode tool = ok(base("a") + "/fs?path=/bin/tool").path("dir");
        assertEquals(04755, tool.path("mode").asInt());
        assertEquals(1000, tool.path("uid").asInt());
    }

    @Test
    void fileBytesComeFromTheWinningLayerWithRanges() {
        HttpResponse<byte[]> r = api.get(base("a") + "/fs/file?path=/etc/os-release");
        assertEquals(200, r.statusCode(), () -> new String(r.body()));
        assertEquals("NAME=strata\n", new String(r.body(), StandardCharsets.UTF_8));
        assertEquals(layers.get(1), header(r, "Strata-Layer"));

        HttpResponse<byte[]> all = api.get(base("a") + "/fs/file?path=/data/big.bin");
        assertArrayEquals(big, all.body());
        HttpResponse<byte[]> part = api.get(base("a") + "/fs/file?path=/data/big.bin", "Range", "bytes=100000-299999");
        assertEquals(206, part.statusCode());
        assertEquals("bytes 100000-299999/700000", header(part, "Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(big, 100000, 300000), part.body());
        HttpResponse<byte[]> tail = api.get(base("a") + "/fs/file?path=/data/same.bin", "Range", "bytes=-10");
        assertArrayEquals(Arrays.copyOfRange(big, big.length - 10, big.length), tail.body(), "a hardlink serves its target");
        assertError(api.get(base("a") + "/fs/file?path=/data/big.bin", "Range", "bytes=700000-"), 416, "RANGE_INVALID");
        HttpResponse<byte[]> head = api.head(base("a") + "/fs/file?path=/data/big.bin");
        assertEquals("700000", header(head, "Content-Length"));
    }

    @Test
    void diffListsAddedRemovedAndChanged() {
        JsonNode d = ok(base("b") + "/diff?from=a");
        assertEquals(digestA, d.path("from").asText());
        assertEquals(digestB, d.path("to").asText());
        List<String> changes = new ArrayList<>();
        d.path("changes").forEach(c -> changes.add(c.path("kind").asText() + " " + c.path("path").asText()));
        assertEquals(List.of("removed /data/same.bin", "added /etc/added", "changed /etc/os-release"), changes);
        assertEquals(1, d.path("added").asInt());
        assertEquals(1, d.path("removed").asInt());
        assertEquals(1, d.path("changed").asInt());
    }

    @Test
    void platformPicksTheChildOfAnIndex() {
        ObjectNode idx = Api.JSON.createObjectNode();
        idx.put("schemaVersion", 2);
        idx.put("mediaType", Api.OCI_INDEX);
        ArrayNode ms = idx.putArray("manifests");
        ms.add(child(digestA, "amd64"));
        ms.add(child(digestB, "arm64"));
        HttpResponse<byte[]> r = api.putManifest(repo, "multi", Api.OCI_INDEX, Api.bytes(idx));
        assertEquals(201, r.statusCode(), () -> new String(r.body()));
        assertEquals(digestB, ok(base("multi") + "/history?platform=linux/arm64").path("digest").asText());
        assertEquals("linux/arm64", ok(base("multi") + "/history?platform=linux/arm64").path("platform").asText());
        assertEquals(digestA, ok(base("multi") + "/fs?path=/&platform=linux/amd64").path("digest").asText());
        HttpResponse<byte[]> none = api.get(base("multi") + "/history");
        assertError(none, 404, "MANIFEST_UNKNOWN");
        assertTrue(new String(none.body()).contains("linux/arm64"), "the error names the platforms");
        assertError(api.get(base("multi") + "/history?platform=linux/s390x"), 404, "MANIFEST_UNKNOWN");
        assertError(api.get(base("multi") + "/history?platform=bad%20one"), 400, "NAME_INVALID");
    }

    private static ObjectNode child(String digest, String arch) {
        HttpResponse<byte[]> r = api.head("/v2/" + repo + "/manifests/" + digest);
        ObjectNode d = Api.descriptor(Api.OCI_MANIFEST, digest, Long.parseLong(header(r, "Content-Length")));
        ObjectNode p = d.putObject("platform");
        p.put("os", "linux");
        p.put("architecture", arch);
        return d;
    }

    @Test
    void errorsUseTheSpecBody() {
        assertError(api.get(base("a") + "/fs?path=/nope"), 404, "BLOB_UNKNOWN");
        assertError(api.get(base("a") + "/fs?path=/etc/../../x"), 400, "NAME_INVALID");
        assertError(api.get(base("a") + "/fs/file?path=/etc"), 404, "BLOB_UNKNOWN");
        assertError(api.get(base("a") + "/fs/file?path=/etc/localtime"), 404, "BLOB_UNKNOWN");
        assertError(api.get(base("a") + "/fs/file"), 400, "NAME_INVALID");
        assertError(api.get(base("a") + "/diff"), 400, "NAME_INVALID");
        assertError(api.get(base("nosuchtag") + "/history"), 404, "MANIFEST_UNKNOWN");
        assertError(api.get("/strata/v1/repositories/Bad_Name/manifests/a/history"), 400, "NAME_INVALID");
        assertError(api.get(base("a") + "/whatever"), 404, "UNSUPPORTED");
        assertError(api.send("POST", base("a") + "/history", new byte[0]), 405, "UNSUPPORTED");
        assertError(api.head(base("a") + "/history"), 405, "UNSUPPORTED");
    }

    @Test
    void hostileLayersAreRecordedAsErrorsAndTheRestIsServed() {
        String r2 = Api.uniqueRepo("inspect/hostile");
        byte[] evil = new TarBuilder().file("ok.txt", "fine").file("../../etc/cron.d/x", "evil").file("/abs", "evil")
                .entry("pax", 'x', 0, 0, 0, "", new byte[2 << 20]).file("after", "never").gzip();
        byte[] junk = Api.random(5000);
        ObjectNode cfg = Api.JSON.createObjectNode();
        cfg.put("os", "linux");
        byte[] cfgBytes = Api.bytes(cfg);
        ObjectNode m = Api.JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", Api.OCI_MANIFEST);
        m.set("config", Api.descriptor("application/vnd.oci.image.config.v1+json", api.pushBlob(r2, cfgBytes), cfgBytes.length));
        m.putArray("layers").add(Api.descriptor(LAYER_GZIP, api.pushBlob(r2, evil), evil.length))
                .add(Api.descriptor(LAYER_GZIP, api.pushBlob(r2, junk), junk.length));
        assertEquals(201, api.putManifest(r2, "evil", Api.OCI_MANIFEST, Api.bytes(m)).statusCode());
        JsonNode steps = ok("/strata/v1/repositories/" + r2 + "/manifests/evil/history").path("steps");
        assertEquals(2, steps.size());
        String errors = steps.get(0).path("errors").toString();
        assertTrue(errors.contains("path traversal") && errors.contains("extended header"), errors);
        assertEquals(1, steps.get(0).path("entries").asInt());
        assertFalse(steps.get(1).path("errors").isEmpty(), "random bytes are an error: " + steps.get(1));
        JsonNode root = ok("/strata/v1/repositories/" + r2 + "/manifests/evil/fs?path=/");
        assertEquals(1, root.path("entries").size(), root.toString());
        assertEquals("/ok.txt", root.path("entries").get(0).path("path").asText());
        assertTrue(TestRegistry.node().inspector().projection().healthy());
    }

    @Test
    void theIndexIsReplayedFromTheLogIntoAnEqualFreshStore() {
        SingleNode node = TestRegistry.node();
        InspectorService live = node.inspector();
        ok(base("b") + "/history"); // the index has caught up with the repository index
        LogConfig log = new LogConfig(node.bootstrapServers(), "strata.", 4, (short) 1);
        MemoryKvStore fresh = new MemoryKvStore();
        long events = Replay.run(log, InspectorService.TOPICS, Projection.storedOffsets(live.store()), fresh, live.handler(),
                Duration.ofSeconds(60), (applied, total, rate) -> { });
        assertTrue(events > 0);
        assertEquals(Replay.checksum(live.store()), Replay.checksum(fresh), "the replayed layer index equals the live one byte for byte");
        assertTrue(fresh.get("L/" + layers.get(0)) != null, "layers are indexed by the replay");
    }
}
