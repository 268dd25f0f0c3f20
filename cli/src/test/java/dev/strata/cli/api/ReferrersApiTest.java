package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static dev.strata.cli.api.Api.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.core.oci.Digest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReferrersApiTest {
    private final Api api = TestRegistry.api();

    private String pushReferrer(String repo, String subject, String artifactType, String annotation) {
        byte[] empty = "{}".getBytes();
        String cfg = api.pushBlob(repo, empty);
        ObjectNode m = Api.JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", Api.OCI_MANIFEST);
        if (artifactType != null) m.put("artifactType", artifactType);
        m.set("config", Api.descriptor("application/vnd.oci.empty.v1+json", cfg, 2));
        byte[] layer = Api.random(50);
        m.putArray("layers").add(Api.descriptor("application/octet-stream", api.pushBlob(repo, layer), layer.length));
        m.set("subject", Api.descriptor(Api.OCI_MANIFEST, subject, 100));
        m.putObject("annotations").put("org.example.note", annotation);
        byte[] body = Api.bytes(m);
        String d = Digest.sha256(body).toString();
        HttpResponse<byte[]> put = api.putManifest(repo, d, Api.OCI_MANIFEST, body);
        assertEquals(201, put.statusCode(), () -> new String(put.body()));
        return d;
    }

    @Test
    void referrersListsDescriptorsAndFiltersByArtifactType() {
        String repo = Api.uniqueRepo("referrers/list");
        byte[] subjectBody = api.pushImage(repo, "v1", 1);
        String subject = Digest.sha256(subjectBody).toString();
        String sig = pushReferrer(repo, subject, "application/vnd.example.signature", "sig");
        String sbom = pushReferrer(repo, subject, "application/vnd.example.sbom", "sbom");

        HttpResponse<byte[]> r = api.get("/v2/" + repo + "/referrers/" + subject);
        assertEquals(200, r.statusCode());
        assertEquals(Api.OCI_INDEX, header(r, "Content-Type"));
        assertNull(header(r, "OCI-Filters-Applied"));
        JsonNode index = Api.json(r);
        assertEquals(2, index.path("schemaVersion").asInt());
        assertEquals(Api.OCI_INDEX, index.path("mediaType").asText());
        Map<String, JsonNode> byDigest = new HashMap<>();
        index.path("manifests").forEach(d -> byDigest.put(d.path("digest").asText(), d));
        assertEquals(2, byDigest.size());
        assertEquals("application/vnd.example.signature", byDigest.get(sig).path("artifactType").asText());
        assertEquals("sig", byDigest.get(sig).path("annotations").path("org.example.note").asText());
        assertEquals(Api.OCI_MANIFEST, byDigest.get(sig).path("mediaType").asText());
        assertEquals("application/vnd.example.sbom", byDigest.get(sbom).path("artifactType").asText());

        HttpResponse<byte[]> f = api.get("/v2/" + repo + "/referrers/" + subject + "?artifactType=application/vnd.example.sbom");
        assertEquals("artifactType", header(f, "OCI-Filters-Applied"));
        JsonNode filtered = Api.json(f).path("manifests");
        assertEquals(1, filtered.size());
        assertEquals(sbom, filtered.get(0).path("digest").asText());
    }

    @Test
    void artifactTypeFallsBackToConfigMediaType() {
        String repo = Api.uniqueRepo("referrers/fallback");
        String subject = "sha256:" + "1".repeat(64);
        String d = pushReferrer(repo, subject, null, "x");
        JsonNode m = Api.json(api.get("/v2/" + repo + "/referrers/" + subject)).path("manifests");
        assertEquals(1, m.size());
        assertEquals(d, m.get(0).path("digest").asText());
        assertEquals("application/vnd.oci.empty.v1+json", m.get(0).path("artifactType").asText());
    }

    @Test
    void deletedReferrerDisappears() {
        String repo = Api.uniqueRepo("referrers/deleted");
        String subject = "sha256:" + "2".repeat(64);
        String d = pushReferrer(repo, subject, "application/x", "x");
        assertEquals(202, api.delete("/v2/" + repo + "/manifests/" + d).statusCode());
        assertEquals(0, Api.json(api.get("/v2/" + repo + "/referrers/" + subject)).path("manifests").size());
    }

    @Test
    void unknownSubjectOrRepositoryIsAnEmptyIndexNever404() {
        HttpResponse<byte[]> r = api.get("/v2/" + Api.uniqueRepo("referrers/none") + "/referrers/sha256:" + "f".repeat(64));
        assertEquals(200, r.statusCode());
        assertEquals(0, Api.json(r).path("manifests").size());
        assertError(api.get("/v2/x/referrers/sha256:zz"), 400, "DIGEST_INVALID");
    }
}
