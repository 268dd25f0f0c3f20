package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static dev.strata.cli.api.Api.header;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.core.oci.Digest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BlobApiTest {
    private final Api api = TestRegistry.api();

    @Test
    void monolithicPushThenHeadAndGet() {
        String repo = Api.uniqueRepo("blobs/mono");
        byte[] data = Api.random(10_000);
        String digest = Digest.sha256(data).toString();
        HttpResponse<byte[]> put = api.send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, data);
        assertEquals(201, put.statusCode());
        assertEquals("/v2/" + repo + "/blobs/" + digest, header(put, "Location"));
        assertEquals(digest, header(put, "Docker-Content-Digest"));

        HttpResponse<byte[]> head = api.head("/v2/" + repo + "/blobs/" + digest);
        assertEquals(200, head.statusCode());
        assertEquals("10000", header(head, "Content-Length"));
        assertEquals(digest, header(head, "Docker-Content-Digest"));
        assertEquals(0, head.body().length);

        HttpResponse<byte[]> get = api.get("/v2/" + repo + "/blobs/" + digest);
        assertEquals(200, get.statusCode());
        assertEquals(digest, header(get, "Docker-Content-Digest"));
        assertArrayEquals(data, get.body());
    }

    @Test
    void multiChunkBlobRoundTripsAndRangesCrossChunkBoundaries() {
        String repo = Api.uniqueRepo("blobs/big");
        byte[] data = Api.random(9 * 1024 * 1024 + 123); // three 4 MiB chunks
        String digest = api.pushBlob(repo, data);
        assertArrayEquals(data, api.get("/v2/" + repo + "/blobs/" + digest).body());

        int from = 4 * 1024 * 1024 - 10;
        int to = 8 * 1024 * 1024 + 10;
        HttpResponse<byte[]> r = api.get("/v2/" + repo + "/blobs/" + digest, "Range", "bytes=" + from + "-" + to);
        assertEquals(206, r.statusCode());
        assertEquals("bytes " + from + "-" + to + "/" + data.length, header(r, "Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(data, from, to + 1), r.body());
    }

    @Test
    void rangeRequests() {
        String repo = Api.uniqueRepo("blobs/range");
        byte[] data = Api.random(1000);
        String digest = api.pushBlob(repo, data);
        String path = "/v2/" + repo + "/blobs/" + digest;

        HttpResponse<byte[]> r = api.get(path, "Range", "bytes=10-19");
        assertEquals(206, r.statusCode());
        assertEquals("bytes 10-19/1000", header(r, "Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(data, 10, 20), r.body());

        r = api.get(path, "Range", "bytes=-5");
        assertEquals(206, r.statusCode());
        assertArrayEquals(Arrays.copyOfRange(data, 995, 1000), r.body());

        r = api.get(path, "Range", "bytes=990-");
        assertEquals(206, r.statusCode());
        assertArrayEquals(Arrays.copyOfRange(data, 990, 1000), r.body());

        r = api.get(path, "Range", "bytes=5000-6000");
        assertError(r, 416, "RANGE_INVALID");
        assertEquals("bytes */1000", header(r, "Content-Range"));
    }

    @Test
    void deleteAnswers202ThenBlobIsGone() {
        String repo = Api.uniqueRepo("blobs/del");
        String digest = api.pushBlob(repo, Api.random(100));
        HttpResponse<byte[]> del = api.delete("/v2/" + repo + "/blobs/" + digest);
        assertEquals(202, del.statusCode());
        assertError(api.head("/v2/" + repo + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
        assertError(api.get("/v2/" + repo + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
        assertError(api.delete("/v2/" + repo + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
    }

    @Test
    void blobOfOneRepositoryIsNotReadableThroughAnother() {
        String a = Api.uniqueRepo("blobs/owner");
        String b = Api.uniqueRepo("blobs/other");
        String digest = api.pushBlob(a, Api.random(100));
        api.pushBlob(b, Api.random(10)); // b exists, but has not got this blob
        assertError(api.get("/v2/" + b + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
        assertError(api.head("/v2/" + b + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
    }

    @Test
    void unknownAndMalformedDigests() {
        String repo = Api.uniqueRepo("blobs/unknown");
        assertError(api.get("/v2/" + repo + "/blobs/sha256:" + "a".repeat(64)), 404, "BLOB_UNKNOWN");
        assertError(api.get("/v2/" + repo + "/blobs/sha256:xyz"), 400, "DIGEST_INVALID");
        assertError(api.get("/v2/" + repo + "/blobs/md5:" + "a".repeat(32)), 400, "DIGEST_INVALID");
        assertError(api.get("/v2/" + repo + "/blobs/sha256:" + "A".repeat(64)), 400, "DIGEST_INVALID");
    }
}
