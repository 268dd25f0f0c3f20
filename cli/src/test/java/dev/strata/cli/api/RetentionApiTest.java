package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.cli.ServeConfig;
import dev.strata.cli.SingleNode;
import dev.strata.core.oci.Digest;
import dev.strata.core.spi.Namespaces;
import dev.strata.gc.GcConfig;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retention of untagged manifests, the tag-history time machine, the delete cascade to referrers
 * and configured quota namespaces, on a real node with short periods: untagged retention 1.5 s,
 * time machine 4 s, blob grace 1.5 s.
 */
class RetentionApiTest {
    private static final long RETENTION_MS = 1500;
    private static final long WINDOW_MS = 4000;
    private static final long GRACE_MS = 1500;
    private static PrivateNode fixture;
    private static SingleNode node;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        fixture = PrivateNode.start("retention", new GcConfig(Duration.ofMillis(GRACE_MS), Duration.ZERO, 10_000, Duration.ofHours(1))
                        .withRetention(Duration.ofMillis(RETENTION_MS), Duration.ofMillis(WINDOW_MS))
                        .withNamespaces(new Namespaces(List.of("org/team"))));
        node = fixture.node;
        api = fixture.api;
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static List<String> blobs(JsonNode report) {
        List<String> out = new java.util.ArrayList<>();
        report.path("collected").forEach(c -> {
            if (!c.path("repository").isTextual()) out.add(c.path("digest").asText());
        });
        return out;
    }

    private static void sleep(long ms) throws InterruptedException {
        Thread.sleep(ms);
    }

    @Test
    void anUntaggedManifestGoesAfterTheRetentionAndItsBlobsAfterTheGrace() throws Exception {
        String repo = "retention/untagged";
        byte[] config = ("{\"n\":" + System.nanoTime() + "}").getBytes();
        byte[] layerBytes = Api.random(1500);
        ObjectNode m = Api.JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", Api.OCI_MANIFEST);
        m.set("config", Api.descriptor("application/vnd.oci.image.config.v1+json", api.pushBlob(repo, config), config.length));
        m.putArray("layers").add(Api.descriptor("application/vnd.oci.image.layer.v1.tar", api.pushBlob(repo, layerBytes), layerBytes.length));
        String layer = m.path("layers").path(0).path("digest").asText();
        String d = api.putManifest(repo, "sha256:" + Digest.sha256(Api.bytes(m)).encoded(), m);
        String kept = api.putManifest(repo, "keep", api.imageManifest(repo, 1, Api.OCI_MANIFEST));
        assertTrue(!Api.collectedManifests(api.gc(true)).containsKey(repo + "@" + d), "not within the retention");

        sleep(RETENTION_MS + 300);
        Map<String, String> dry = Api.collectedManifests(api.gc(true));
        assertTrue(dry.getOrDefault(repo + "@" + d, "").contains("untagged since"), () -> "the dry run lists it with the reason: " + dry);
        assertTrue(!dry.containsKey(repo + "@" + kept), "a tagged manifest stays");
        assertEquals(200, api.get("/v2/" + repo + "/manifests/" + d).statusCode(), "a dry run deletes nothing");

        assertTrue(Api.collectedManifests(api.gc(false)).containsKey(repo + "@" + d));
        assertError(api.get("/v2/" + repo + "/manifests/" + d), 404, "MANIFEST_UNKNOWN");
        assertEquals(200, api.get("/v2/" + repo + "/manifests/keep").statusCode());
        // its layer is released, and goes once the grace period has passed since then
        assertEquals(200, api.head("/v2/" + repo + "/blobs/" + layer).statusCode(), "blobs wait for the grace period");
        sleep(GRACE_MS + 300);
        JsonNode pass = api.gc(false);
        assertTrue(blobs(pass).contains(layer), "the released layer is collected");
        assertTrue(blobs(pass).contains(d), "and the chunk of the manifest's bytes, in no repository any more");
        assertError(api.head("/v2/" + repo + "/blobs/" + layer), 404, "BLOB_UNKNOWN");
        String chunkId = "m-sha256-" + d.substring("sha256:".length());
        assertEquals(-1, node.chunks().size(chunkId), "the manifest's chunk is deleted");
        // pushing the same image again stores its bytes again
        api.pushBlob(repo, config);
        api.pushBlob(repo, layerBytes);
        assertEquals(d, api.putManifest(repo, "again", m));
        assertArrayEquals(Api.bytes(m), api.get("/v2/" + repo + "/manifests/again").body());
    }

    @Test
    void indexChildrenAndReferrersOfAPresentSubjectAreKept() throws Exception {
        String repo = "retention/held";
        ObjectNode child = api.imageManifest(repo, 1, Api.OCI_MANIFEST);
        String childDigest = Digest.sha256(Api.bytes(child)).toString();
        api.putManifest(repo, childDigest, child);
        ObjectNode index = Api.JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", Api.OCI_INDEX);
        index.putArray("manifests").add(Api.descriptor(Api.OCI_MANIFEST, childDigest, Api.bytes(child).length));
        String indexDigest = api.putManifest(repo, "multi", index);
        String subject = api.putManifest(repo, "app", api.imageManifest(repo, 1, Api.OCI_MANIFEST));
        String sig = api.pushReferrer(repo, subject, "sig");

        sleep(RETENTION_MS + 300);
        Map<String, String> collected = Api.collectedManifests(api.gc(false));
        for (String d : List.of(childDigest, indexDigest, subject, sig)) {
            assertTrue(!collected.containsKey(repo + "@" + d), () -> d + " is held: " + collected);
            assertEquals(200, api.get("/v2/" + repo + "/manifests/" + d).statusCode());
        }
        // untagging the index releases the index (once the time machine lets go of it) and then its child
        assertEquals(202, api.delete("/v2/" + repo + "/manifests/multi").statusCode());
        sleep(RETENTION_MS + 300);
        assertTrue(!Api.collectedManifests(api.gc(false)).containsKey(repo + "@" + indexDigest), "a tag pointed at it: the time machine keeps it");
        sleep(WINDOW_MS - RETENTION_MS);
        assertTrue(Api.collectedManifests(api.gc(false)).containsKey(repo + "@" + indexDigest), "the untagged index goes");
        assertEquals(200, api.get("/v2/" + repo + "/manifests/" + childDigest).statusCode(), "its child was held until now");
        Map<String, String> next = Api.collectedManifests(api.gc(false));
        assertTrue(next.containsKey(repo + "@" + childDigest), () -> "then the child, untagged for long: " + next);
    }

    @Test
    void theTimeMachineKeepsWhatATagPointedAtWithinTheWindow() throws Exception {
        String repo = "retention/history";
        String first = api.putManifest(repo, "prod", api.imageManifest(repo, 1, Api.OCI_MANIFEST));
        sleep(20);
        long between = System.currentTimeMillis();
        sleep(20);
        String second = api.putManifest(repo, "prod", api.imageManifest(repo, 1, Api.OCI_MANIFEST));

        // past the untagged retention but inside the window: kept, and restorable
        sleep(RETENTION_MS + 300);
        assertTrue(!Api.collectedManifests(api.gc(false)).containsKey(repo + "@" + first), "the time machine keeps it");
        HttpResponse<byte[]> restored = api.send("POST", "/strata/v1/repositories/" + repo + "/tags/prod/restore?at=" + between, null);
        assertEquals(201, restored.statusCode(), () -> new String(restored.body()));
        assertEquals(first, Api.json(restored).path("digest").asText());
        // point it at the second again: the first is untagged from now on
        HttpResponse<byte[]> back = api.send("POST", "/strata/v1/repositories/" + repo + "/tags/prod/restore?digest=" + second, null);
        assertEquals(201, back.statusCode(), () -> new String(back.body()));

        // past the window: collected, and a restore to that time fails clearly
        sleep(WINDOW_MS + 300);
        Map<String, String> collected = Api.collectedManifests(api.gc(false));
        assertTrue(collected.getOrDefault(repo + "@" + first, "").contains("time-machine window"), () -> collected.toString());
        HttpResponse<byte[]> late = api.send("POST", "/strata/v1/repositories/" + repo + "/tags/prod/restore?at=" + between, null);
        assertError(late, 404, "MANIFEST_UNKNOWN");
        assertTrue(new String(late.body()).contains("time-machine window"), () -> new String(late.body()));
        HttpResponse<byte[]> prod = api.get("/v2/" + repo + "/manifests/prod");
        assertEquals(200, prod.statusCode());
        assertEquals(second, Api.header(prod, "Docker-Content-Digest"), "the failed restore changed nothing");
    }

    @Test
    void deletingASubjectDeletesItsReferrersAndReleasesTheirBlobs() throws Exception {
        String repo = "retention/cascade";
        String subject = api.putManifest(repo, "v1", api.imageManifest(repo, 1, Api.OCI_MANIFEST));
        String sbom = api.pushReferrer(repo, subject, "sbom");
        String sigOfSbom = api.pushReferrer(repo, sbom, "sig");
        String other = api.putManifest(repo, "v2", api.imageManifest(repo, 1, Api.OCI_MANIFEST));
        String otherSig = api.pushReferrer(repo, other, "sig");
        JsonNode sbomManifest = Api.json(api.get("/v2/" + repo + "/manifests/" + sbom));
        String sbomLayer = sbomManifest.path("layers").path(0).path("digest").asText();

        assertEquals(202, api.delete("/v2/" + repo + "/manifests/" + subject).statusCode());
        for (String d : List.of(subject, sbom, sigOfSbom)) assertError(api.get("/v2/" + repo + "/manifests/" + d), 404, "MANIFEST_UNKNOWN");
        assertEquals(0, Api.json(api.get("/v2/" + repo + "/referrers/" + subject)).path("manifests").size());
        assertEquals(200, api.get("/v2/" + repo + "/manifests/" + otherSig).statusCode(), "other referrers stay");
        assertEquals(1, Api.json(api.get("/v2/" + repo + "/referrers/" + other)).path("manifests").size());
        // the blobs the referrers held are released, collected after the grace period
        sleep(GRACE_MS + 300);
        assertTrue(blobs(api.gc(false)).contains(sbomLayer));
    }

    /** Changing the prefixes rebuilds the gc projection: usage is recounted, and replay agrees with it. */
    @Test
    void changedPrefixesRecountUsageAtStart() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "namespaces-").toAbsolutePath();
        GcConfig plain = new GcConfig(Duration.ofHours(1), Duration.ZERO, 1000, Duration.ofHours(1));
        try (SingleNode first = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir, 1), plain)) {
            Api a = new Api("http://127.0.0.1:" + first.port());
            a.pushBlob("acme/web/app", Api.random(3000));
            a.pushBlob("acme/tools", Api.random(1000));
            assertEquals(4000, Api.json(a.get("/strata/v1/quotas/acme")).path("usage").asLong());
        }
        try (SingleNode second = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir, 1),
                plain.withNamespaces(new Namespaces(List.of("acme/web"))))) {
            Api a = new Api("http://127.0.0.1:" + second.port());
            assertEquals(3000, Api.json(a.get("/strata/v1/quotas/acme/web")).path("usage").asLong());
            assertEquals(1000, Api.json(a.get("/strata/v1/quotas/acme")).path("usage").asLong());
            var out = new java.io.ByteArrayOutputStream();
            int rc = dev.strata.cli.CliAccess.replay(new String[] {"replay", "--projection", "gc", "--data", dir.toString(),
                    "--into", dir.resolve("replay-gc").toString()}, new java.io.PrintStream(out, true),
                    new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true));
            assertEquals(0, rc, out::toString);
        }
    }

    @Test
    void aConfiguredPrefixIsOneNamespaceForQuotasAndUsage() throws Exception {
        assertEquals(200, api.send("PUT", "/strata/v1/quotas/org/team?bytes=100000000", null).statusCode());
        long before = Api.json(api.get("/strata/v1/quotas/org/team")).path("usage").asLong();
        byte[] data = Api.random(4096);
        api.pushBlob("org/team/app", data);
        api.pushBlob("org/team/tools/cli", data); // the same blob counts once in the namespace
        api.pushBlob("org/elsewhere", Api.random(2048));
        JsonNode q = Api.json(api.get("/strata/v1/quotas/org/team"));
        assertEquals(before + 4096, q.path("usage").asLong(), q::toString);
        assertEquals("org/team", q.path("namespace").asText());
        assertEquals(2048, Api.json(api.get("/strata/v1/quotas/org")).path("usage").asLong(), "org/elsewhere counts against org");
        assertError(api.send("PUT", "/strata/v1/quotas/org/other?bytes=1", null), 400, "NAME_INVALID");
        // a quota on the prefix is enforced on its repositories
        assertEquals(200, api.send("PUT", "/strata/v1/quotas/org/team?bytes=" + (before + 5000), null).statusCode());
        byte[] big = Api.random(8192);
        HttpResponse<byte[]> denied = api.send("POST", "/v2/org/team/app/blobs/uploads/?digest=" + Digest.sha256(big), big,
                "Content-Type", "application/octet-stream");
        assertError(denied, 403, "DENIED");
        assertTrue(new String(denied.body()).contains("org/team"), () -> new String(denied.body()));
    }
}
