package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.cli.CliAccess;
import dev.strata.cli.SingleNode;
import dev.strata.core.oci.Digest;
import dev.strata.gc.GcConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Namespace quotas: dedup-aware usage, refusal at commit and manifest PUT, exact after deletes and GC. */
class QuotaApiTest {
    private static PrivateNode fixture;
    private static SingleNode node;
    private static Api api;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        fixture = PrivateNode.start("quota", new GcConfig(Duration.ofMillis(500), Duration.ZERO, 10_000, Duration.ofHours(1)));
        node = fixture.node;
        api = fixture.api;
        dir = fixture.dir;
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static JsonNode quota(String ns) {
        HttpResponse<byte[]> r = api.get("/strata/v1/quotas/" + ns);
        assertEquals(200, r.statusCode(), () -> new String(r.body()));
        return Api.json(r);
    }

    private static long usage(String ns) {
        return quota(ns).path("usage").asLong();
    }

    @Test
    void usageCountsEachBlobOncePerNamespaceAndPushesOverTheQuotaAreDenied() throws Exception {
        var out = new ByteArrayOutputStream();
        String registry = api.base.substring("http://".length());
        assertEquals(0, CliAccess.quota(new String[] {"quota", "set", "team-q", "10000", "--registry", registry},
                new PrintStream(out, true), new PrintStream(out, true)), out::toString);
        assertEquals(10000, quota("team-q").path("quota").asLong());
        assertEquals(0, usage("team-q"));

        byte[] a = Api.random(6000);
        String da = api.pushBlob("team-q/one", a);
        assertEquals(6000, usage("team-q"));
        api.pushBlob("team-q/two", a); // same blob, same namespace: counted once
        assertEquals(6000, usage("team-q"));
        api.pushBlob("other-ns/x", a); // another namespace counts it for itself
        assertEquals(6000, usage("other-ns"));

        byte[] b = Api.random(5000);
        String db = Digest.sha256(b).toString();
        HttpResponse<byte[]> denied = api.send("POST", "/v2/team-q/one/blobs/uploads/?digest=" + db, b);
        assertError(denied, 403, "DENIED");
        String message = Api.json(denied).path("errors").path(0).path("message").asText();
        assertTrue(message.contains("team-q") && message.contains("6000") && message.contains("10000"), message);
        assertEquals(6000, usage("team-q"), "nothing partial is counted");
        assertError(api.head("/v2/team-q/one/blobs/" + db), 404, "BLOB_UNKNOWN");
        assertTrue(node.uploads().blob(Digest.parse(db)).isEmpty(), "the refused blob is not stored");

        // a mount into the namespace of a blob it already holds adds nothing, so it is allowed
        assertEquals(201, api.send("POST", "/v2/team-q/three/blobs/uploads/?mount=" + da + "&from=team-q/one", null).statusCode());
        assertEquals(6000, usage("team-q"));

        // a manifest that would pass the quota is refused as well
        byte[] cfg = Api.random(3990);
        String dc = api.pushBlob("team-q/one", cfg);
        assertEquals(9990, usage("team-q"));
        var m = Api.JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", Api.OCI_MANIFEST);
        m.set("config", Api.descriptor("application/vnd.oci.image.config.v1+json", dc, cfg.length));
        m.putArray("layers").add(Api.descriptor("application/vnd.oci.image.layer.v1.tar", da, a.length));
        assertError(api.putManifest("team-q/one", "v1", Api.OCI_MANIFEST, Api.bytes(m)), 403, "DENIED");
        assertError(api.get("/v2/team-q/one/manifests/v1"), 404, "MANIFEST_UNKNOWN");
        assertEquals(9990, usage("team-q"));

        // raising the quota lets it through; removing links and manifests gives the space back
        assertEquals(0, CliAccess.quota(new String[] {"quota", "set", "team-q", "1MiB", "--registry", registry},
                new PrintStream(out, true), new PrintStream(out, true)));
        HttpResponse<byte[]> ok = api.putManifest("team-q/one", "v1", Api.OCI_MANIFEST, Api.bytes(m));
        assertEquals(201, ok.statusCode(), () -> new String(ok.body()));
        long withManifest = usage("team-q");
        assertEquals(9990 + Api.bytes(m).length, withManifest);
        assertEquals(202, api.delete("/v2/team-q/one/manifests/" + Digest.sha256(Api.bytes(m))).statusCode());
        assertEquals(9990, usage("team-q"));
        for (String repo : new String[] {"team-q/one", "team-q/two", "team-q/three"}) {
            assertEquals(202, api.delete("/v2/" + repo + "/blobs/" + da).statusCode());
        }
        assertEquals(3990, usage("team-q"));
    }

    @Test
    void usageIsExactAfterGcAndEqualsARecountFromScratch() throws Exception {
        byte[] layer = Api.random(20_000);
        String d = api.pushBlob("team-gc/app", layer);
        byte[] image = api.pushImage("team-gc/app", "v1", 1);
        long before = usage("team-gc");
        assertTrue(before >= 20_000 + image.length);
        // the first blob is referenced by nothing: GC takes it, and the namespace's usage drops with it
        Thread.sleep(700);
        node.gc().collect(false);
        assertError(api.head("/v2/team-gc/app/blobs/" + d), 404, "BLOB_UNKNOWN");
        assertEquals(before - 20_000, usage("team-gc"));

        // a recount from scratch (replay of the gc projection from offset 0) gives the same state
        var out = new ByteArrayOutputStream();
        int rc = CliAccess.replay(new String[] {"replay", "--projection", "gc", "--data", dir.toString(),
                "--into", dir.resolve("recount-" + System.nanoTime()).toString()}, new PrintStream(out, true), new PrintStream(new ByteArrayOutputStream(), true));
        assertEquals(0, rc, out::toString);
        assertTrue(out.toString().contains("equal"), out::toString);
    }

    @Test
    void sizesAndBadRequests() {
        assertEquals(50L << 30, CliAccess.parseSize("50GiB"));
        assertEquals(500_000_000L, CliAccess.parseSize("500MB"));
        assertEquals(1024, CliAccess.parseSize("1024"));
        assertThrows(IllegalArgumentException.class, () -> CliAccess.parseSize("lots"));
        assertError(api.send("PUT", "/strata/v1/quotas/team-z?bytes=-5", null), 400, "SIZE_INVALID");
        assertError(api.send("PUT", "/strata/v1/quotas/team-z?bytes=abc", null), 400, "SIZE_INVALID");
        assertError(api.get("/strata/v1/quotas/Bad_NS"), 400, "NAME_INVALID");
        assertEquals(200, api.send("DELETE", "/strata/v1/quotas/team-z", null).statusCode());
        assertTrue(quota("team-z").path("quota").isNull() || !quota("team-z").has("quota"));
    }
}
