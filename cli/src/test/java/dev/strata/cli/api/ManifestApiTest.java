package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static dev.strata.cli.api.Api.header;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.core.oci.Digest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestApiTest {
    private final Api api = TestRegistry.api();

    @ParameterizedTest
    @ValueSource(strings = {Api.OCI_MANIFEST, Api.DOCKER_MANIFEST})
    void imageManifestPutGetHeadByTagAndDigest(String mediaType) {
        String repo = Api.uniqueRepo("manifests/image");
        byte[] body = Api.bytes(api.imageManifest(repo, 2, mediaType));
        String digest = Digest.sha256(body).toString();
        HttpResponse<byte[]> put = api.putManifest(repo, "v1", mediaType, body);
        assertEquals(201, put.statusCode(), () -> new String(put.body()));
        assertEquals("/v2/" + repo + "/manifests/" + digest, header(put, "Location"));
        assertEquals(digest, header(put, "Docker-Content-Digest"));

        for (String ref : new String[] {"v1", digest}) {
            HttpResponse<byte[]> get = api.get("/v2/" + repo + "/manifests/" + ref, "Accept", mediaType);
            assertEquals(200, get.statusCode());
            assertEquals(mediaType, header(get, "Content-Type"));
            assertEquals(digest, header(get, "Docker-Content-Digest"));
            assertArrayEquals(body, get.body());
            HttpResponse<byte[]> head = api.head("/v2/" + repo + "/manifests/" + ref);
            assertEquals(200, head.statusCode());
            assertEquals(Integer.toString(body.length), header(head, "Content-Length"));
            assertEquals(digest, header(head, "Docker-Content-Digest"));
            assertEquals(mediaType, header(head, "Content-Type"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Api.OCI_INDEX, Api.DOCKER_LIST})
    void indexOverChildManifests(String indexType) {
        String repo = Api.uniqueRepo("manifests/index");
        String childType = indexType.equals(Api.OCI_INDEX) ? Api.OCI_MANIFEST : Api.DOCKER_MANIFEST;
        ObjectNode index = Api.JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", indexType);
        ArrayNode ms = index.putArray("manifests");
        for (String arch : new String[] {"amd64", "arm64"}) {
            byte[] child = Api.bytes(api.imageManifest(repo, 1, childType));
            String d = Digest.sha256(child).toString();
            assertEquals(201, api.putManifest(repo, d, childType, child).statusCode());
            ObjectNode desc = Api.descriptor(childType, d, child.length);
            desc.putObject("platform").put("architecture", arch).put("os", "linux");
            ms.add(desc);
        }
        byte[] body = Api.bytes(index);
        HttpResponse<byte[]> put = api.putManifest(repo, "multi", indexType, body);
        assertEquals(201, put.statusCode(), () -> new String(put.body()));
        HttpResponse<byte[]> get = api.get("/v2/" + repo + "/manifests/multi");
        assertEquals(indexType, header(get, "Content-Type"));
        assertArrayEquals(body, get.body());
    }

    @Test
    void referencedBlobsAndChildrenMustBeInTheRepository() {
        String repo = Api.uniqueRepo("manifests/refs");
        ObjectNode m = api.imageManifest(repo, 1, Api.OCI_MANIFEST);
        ((ArrayNode) m.get("layers")).add(Api.descriptor("application/vnd.oci.image.layer.v1.tar", "sha256:" + "b".repeat(64), 5));
        assertError(api.putManifest(repo, "x", Api.OCI_MANIFEST, Api.bytes(m)), 400, "MANIFEST_BLOB_UNKNOWN");

        // a blob that exists, but only in another repository
        String other = Api.uniqueRepo("manifests/refs-other");
        byte[] foreign = Api.random(300);
        String fd = api.pushBlob(other, foreign);
        ObjectNode m2 = api.imageManifest(repo, 1, Api.OCI_MANIFEST);
        ((ArrayNode) m2.get("layers")).add(Api.descriptor("application/vnd.oci.image.layer.v1.tar", fd, foreign.length));
        assertError(api.putManifest(repo, "y", Api.OCI_MANIFEST, Api.bytes(m2)), 400, "MANIFEST_BLOB_UNKNOWN");

        ObjectNode index = Api.JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", Api.OCI_INDEX);
        index.putArray("manifests").add(Api.descriptor(Api.OCI_MANIFEST, "sha256:" + "c".repeat(64), 100));
        assertError(api.putManifest(repo, "z", Api.OCI_INDEX, Api.bytes(index)), 400, "MANIFEST_BLOB_UNKNOWN");
        assertError(api.get("/v2/" + repo + "/manifests/x"), 404, "MANIFEST_UNKNOWN");
    }

    @Test
    void invalidManifestsAreManifestInvalid() {
        String repo = Api.uniqueRepo("manifests/invalid");
        api.pushBlob(repo, Api.random(10));
        assertError(api.putManifest(repo, "a", Api.OCI_MANIFEST, "{not json".getBytes()), 400, "MANIFEST_INVALID");
        assertError(api.putManifest(repo, "a", Api.OCI_MANIFEST, "[]".getBytes()), 400, "MANIFEST_INVALID");
        byte[] docker = Api.bytes(api.imageManifest(repo, 1, Api.DOCKER_MANIFEST));
        assertError(api.putManifest(repo, "a", Api.OCI_MANIFEST, docker), 400, "MANIFEST_INVALID"); // type mismatch
        assertError(api.putManifest(repo, "a", "application/x-unknown", docker), 400, "MANIFEST_INVALID");
        ObjectNode noConfig = api.imageManifest(repo, 1, Api.OCI_MANIFEST);
        noConfig.remove("config");
        assertError(api.putManifest(repo, "a", Api.OCI_MANIFEST, Api.bytes(noConfig)), 400, "MANIFEST_INVALID");
        assertError(api.get("/v2/" + repo + "/manifests/a"), 404, "MANIFEST_UNKNOWN");
    }

    @Test
    void putByDigestMustMatchTheBody() {
        String repo = Api.uniqueRepo("manifests/digest");
        byte[] body = Api.bytes(api.imageManifest(repo, 1, Api.OCI_MANIFEST));
        assertError(api.putManifest(repo, "sha256:" + "d".repeat(64), Api.OCI_MANIFEST, body), 400, "DIGEST_INVALID");
        String d = Digest.sha256(body).toString();
        assertEquals(201, api.putManifest(repo, d, Api.OCI_MANIFEST, body).statusCode());
        assertArrayEquals(body, api.get("/v2/" + repo + "/manifests/" + d).body());
    }

    @Test
    void manifestsOfFourMiBAreAcceptedAndLargerGet413() {
        String repo = Api.uniqueRepo("manifests/size");
        ObjectNode m = api.imageManifest(repo, 1, Api.OCI_MANIFEST);
        int base = Api.bytes(m).length;
        int limit = 4 * 1024 * 1024;
        // the annotation adds ,"annotations":{"pad":"..."} around the padding: 25 bytes
        m.putObject("annotations").put("pad", "x".repeat(limit - base - 25));
        byte[] exact = Api.bytes(m);
        assertEquals(limit, exact.length, "test manifest is exactly 4 MiB");
        HttpResponse<byte[]> ok = api.putManifest(repo, "big", Api.OCI_MANIFEST, exact);
        assertEquals(201, ok.statusCode(), () -> new String(ok.body()));
        assertArrayEquals(exact, api.get("/v2/" + repo + "/manifests/big").body());

        m.putObject("annotations").put("pad", "x".repeat(limit - base - 24));
        byte[] over = Api.bytes(m);
        assertEquals(limit + 1, over.length);
        assertError(api.putManifest(repo, "bigger", Api.OCI_MANIFEST, over), 413, "SIZE_INVALID");
        assertError(api.get("/v2/" + repo + "/manifests/bigger"), 404, "MANIFEST_UNKNOWN");
        assertEquals(200, api.get("/v2/").statusCode(), "server keeps serving");
    }

    @Test
    void subjectIsAcceptedBeforeItExistsAndAnsweredWithOciSubject() {
        String repo = Api.uniqueRepo("manifests/subject");
        ObjectNode m = api.imageManifest(repo, 1, Api.OCI_MANIFEST);
        String subject = "sha256:" + "e".repeat(64);
        m.set("subject", Api.descriptor(Api.OCI_MANIFEST, subject, 123));
        HttpResponse<byte[]> put = api.putManifest(repo, Digest.sha256(Api.bytes(m)).toString(), Api.OCI_MANIFEST, Api.bytes(m));
        assertEquals(201, put.statusCode(), () -> new String(put.body()));
        assertEquals(subject, header(put, "OCI-Subject"));
        HttpResponse<byte[]> plain = api.putManifest(repo, "plain", Api.OCI_MANIFEST, api.pushImage(repo, "p", 1));
        assertNull(header(plain, "OCI-Subject"));
    }

    @Test
    void deleteByTagRemovesOnlyTheTag() {
        String repo = Api.uniqueRepo("manifests/deltag");
        byte[] body = api.pushImage(repo, "one", 1);
        assertEquals(201, api.putManifest(repo, "two", Api.OCI_MANIFEST, body).statusCode());
        String d = Digest.sha256(body).toString();
        assertEquals(202, api.delete("/v2/" + repo + "/manifests/one").statusCode());
        assertError(api.get("/v2/" + repo + "/manifests/one"), 404, "MANIFEST_UNKNOWN");
        assertEquals(200, api.get("/v2/" + repo + "/manifests/two").statusCode());
        assertEquals(200, api.get("/v2/" + repo + "/manifests/" + d).statusCode());
        assertError(api.delete("/v2/" + repo + "/manifests/one"), 404, "MANIFEST_UNKNOWN");
    }

    @Test
    void deleteByDigestRemovesTheManifestAndItsTags() {
        String repo = Api.uniqueRepo("manifests/deldigest");
        byte[] body = api.pushImage(repo, "t1", 1);
        String d = Digest.sha256(body).toString();
        assertEquals(202, api.delete("/v2/" + repo + "/manifests/" + d).statusCode());
        assertError(api.get("/v2/" + repo + "/manifests/" + d), 404, "MANIFEST_UNKNOWN");
        assertError(api.head("/v2/" + repo + "/manifests/t1"), 404, "MANIFEST_UNKNOWN");
        assertEquals(0, Api.json(api.get("/v2/" + repo + "/tags/list")).path("tags").size());
        assertError(api.delete("/v2/" + repo + "/manifests/" + d), 404, "MANIFEST_UNKNOWN");
    }

    @Test
    void retaggingMovesTheTagAndNoCachedAnswerIsStale() {
        String repo = Api.uniqueRepo("manifests/retag");
        byte[] first = api.pushImage(repo, "latest", 1);
        // read twice, so the answer is cached in memory
        assertArrayEquals(first, api.get("/v2/" + repo + "/manifests/latest").body());
        assertArrayEquals(first, api.get("/v2/" + repo + "/manifests/latest").body());
        byte[] second = api.pushImage(repo, "latest", 1);
        assertArrayEquals(second, api.get("/v2/" + repo + "/manifests/latest").body());
        assertEquals(Digest.sha256(second).toString(), header(api.head("/v2/" + repo + "/manifests/latest"), "Docker-Content-Digest"));
        assertEquals(202, api.delete("/v2/" + repo + "/manifests/latest").statusCode());
        assertError(api.get("/v2/" + repo + "/manifests/latest"), 404, "MANIFEST_UNKNOWN");
        assertError(api.head("/v2/" + repo + "/manifests/latest"), 404, "MANIFEST_UNKNOWN");
        String d = Digest.sha256(first).toString();
        assertArrayEquals(first, api.get("/v2/" + repo + "/manifests/" + d).body());
        assertEquals(202, api.delete("/v2/" + repo + "/manifests/" + d).statusCode());
        assertError(api.get("/v2/" + repo + "/manifests/" + d), 404, "MANIFEST_UNKNOWN");
    }
}
