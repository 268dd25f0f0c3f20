package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.core.oci.Digest;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Every tag change is kept, listed by the history API, and a tag can be pointed back. */
class TagHistoryApiTest {
    private final Api api = TestRegistry.api();

    private JsonNode history(String repo, String tag) {
        HttpResponse<byte[]> r = api.get("/strata/v1/repositories/" + repo + "/tags/" + tag + "/history");
        assertEquals(200, r.statusCode(), () -> new String(r.body()));
        return Api.json(r).path("history");
    }

    @Test
    void historyListsUpdatesAndDeletesWithTimeAndActor() throws Exception {
        String repo = Api.uniqueRepo("history/app");
        String d1 = Digest.sha256(api.pushImage(repo, "live", 1)).toString();
        Thread.sleep(5); // distinct timestamps, so --at can pick between them
        String d2 = Digest.sha256(api.pushImage(repo, "live", 1)).toString();
        assertEquals(202, api.delete("/v2/" + repo + "/manifests/live").statusCode());

        JsonNode h = history(repo, "live");
        assertEquals(3, h.size(), h::toString);
        assertEquals("update", h.get(0).path("action").asText());
        assertEquals(d1, h.get(0).path("digest").asText());
        assertEquals(d2, h.get(1).path("digest").asText());
        assertEquals("delete", h.get(2).path("action").asText());
        assertTrue(!h.get(2).hasNonNull("digest"), "a delete has no digest");
        assertTrue(h.get(0).path("actor").asText().startsWith("anonymous@127.0.0.1"), h.toString());
        Instant t0 = Instant.parse(h.get(0).path("at").asText());
        Instant t1 = Instant.parse(h.get(1).path("at").asText());
        assertTrue(!t1.isBefore(t0));

        assertEquals(0, history(repo, "never").size());
    }

    @Test
    void restoreByDigestAndByTime() throws Exception {
        String repo = Api.uniqueRepo("history/restore");
        byte[] first = api.pushImage(repo, "prod", 1);
        String d1 = Digest.sha256(first).toString();
        Thread.sleep(20);
        Instant between = Instant.now();
        Thread.sleep(20);
        byte[] second = api.pushImage(repo, "prod", 1);
        String d2 = Digest.sha256(second).toString();
        assertArrayEquals(second, api.get("/v2/" + repo + "/manifests/prod").body());

        HttpResponse<byte[]> r = api.send("POST", "/strata/v1/repositories/" + repo + "/tags/prod/restore?digest=" + d1, null);
        assertEquals(201, r.statusCode(), () -> new String(r.body()));
        assertEquals(d1, Api.json(r).path("digest").asText());
        assertArrayEquals(first, api.get("/v2/" + repo + "/manifests/prod").body());

        // "what was prod at <between>": the first push; restoring by time after the second push gives d2
        HttpResponse<byte[]> byTime = api.send("POST", "/strata/v1/repositories/" + repo + "/tags/prod/restore?at="
                + URLEncoder.encode(Instant.now().toString(), StandardCharsets.UTF_8), null);
        assertEquals(201, byTime.statusCode(), () -> new String(byTime.body()));
        assertEquals(d1, Api.json(byTime).path("digest").asText(), "latest change before now was the restore to d1");
        HttpResponse<byte[]> atBetween = api.send("POST", "/strata/v1/repositories/" + repo + "/tags/prod/restore?at="
                + between.toEpochMilli(), null);
        assertEquals(d1, Api.json(atBetween).path("digest").asText());
        assertEquals(5, history(repo, "prod").size(), "two pushes and three restores, each a change");

        // a manifest that is gone cannot be restored
        assertEquals(202, api.delete("/v2/" + repo + "/manifests/" + d2).statusCode());
        assertError(api.send("POST", "/strata/v1/repositories/" + repo + "/tags/prod/restore?digest=" + d2, null), 404, "MANIFEST_UNKNOWN");
        // nor a time before the tag existed
        assertError(api.send("POST", "/strata/v1/repositories/" + repo + "/tags/prod/restore?at=2000-01-01T00:00:00Z", null),
                404, "MANIFEST_UNKNOWN");
        assertError(api.send("POST", "/strata/v1/repositories/" + repo + "/tags/prod/restore?at=yesterday", null),
                400, "MANIFEST_INVALID");
        assertArrayEquals(first, api.get("/v2/" + repo + "/manifests/prod").body(), "failed restores change nothing");
    }

    @Test
    void deletingAManifestRecordsTheRemovalOfItsTags() {
        String repo = Api.uniqueRepo("history/cascade");
        String d = Digest.sha256(api.pushImage(repo, "a", 1)).toString();
        assertEquals(202, api.delete("/v2/" + repo + "/manifests/" + d).statusCode());
        JsonNode h = history(repo, "a");
        assertEquals(2, h.size());
        assertEquals("delete", h.get(1).path("action").asText());
    }

    @Test
    void cliPrintsHistoryAndRestores() throws Exception {
        String repo = Api.uniqueRepo("history/cli");
        String d1 = Digest.sha256(api.pushImage(repo, "t", 1)).toString();
        api.pushImage(repo, "t", 1);
        String registry = api.base.substring("http://".length());
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int rc = dev.strata.cli.CliAccess.tag(new String[] {"tag", "history", repo + ":t", "--registry", registry},
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        assertEquals(0, rc, err::toString);
        assertTrue(out.toString().contains(d1), out::toString);
        assertEquals(3, out.toString().lines().count(), "header and two changes: " + out);

        out.reset();
        rc = dev.strata.cli.CliAccess.tag(new String[] {"tag", "restore", repo + ":t", "--digest", d1, "--registry", registry},
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        assertEquals(0, rc, err::toString);
        assertEquals(d1, Digest.sha256(api.get("/v2/" + repo + "/manifests/t").body()).toString());

        rc = dev.strata.cli.CliAccess.tag(new String[] {"tag", "restore", repo + ":t", "--registry", registry},
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        assertEquals(2, rc, "restore without --digest or --at is a usage error");
    }
}
