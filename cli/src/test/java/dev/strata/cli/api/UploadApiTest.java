package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static dev.strata.cli.api.Api.header;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.oci.Digest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class UploadApiTest {
    private final Api api = TestRegistry.api();

    private String start(String repo) {
        HttpResponse<byte[]> r = api.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
        assertEquals(202, r.statusCode(), () -> new String(r.body()));
        String location = header(r, "Location");
        assertNotNull(location);
        assertTrue(location.startsWith("/v2/" + repo + "/blobs/uploads/"), location);
        assertNotNull(header(r, "OCI-Chunk-Min-Length"));
        assertEquals("0-0", header(r, "Range"));
        assertEquals(location.substring(location.lastIndexOf('/') + 1), header(r, "Docker-Upload-UUID"));
        return location;
    }

    private HttpResponse<byte[]> patch(String location, byte[] data, long start) {
        return api.send("PATCH", location, data, "Content-Type", "application/octet-stream",
                "Content-Range", start + "-" + (start + data.length - 1));
    }

    @Test
    void chunkedUploadInOrderThenStatusThenPutWithLastChunk() {
        String repo = Api.uniqueRepo("uploads/chunked");
        byte[] data = Api.random(5 * 1024 * 1024 + 77);
        String digest = Digest.sha256(data).toString();
        String loc = start(repo);
        int a = 1024 * 1024;
        int b = 5 * 1024 * 1024;

        HttpResponse<byte[]> p1 = patch(loc, Arrays.copyOfRange(data, 0, a), 0);
        assertEquals(202, p1.statusCode(), () -> new String(p1.body()));
        assertEquals("0-" + (a - 1), header(p1, "Range"));
        HttpResponse<byte[]> p2 = patch(loc, Arrays.copyOfRange(data, a, b), a);
        assertEquals(202, p2.statusCode());
        assertEquals("0-" + (b - 1), header(p2, "Range"));

        HttpResponse<byte[]> status = api.get(loc);
        assertEquals(204, status.statusCode());
        assertEquals("0-" + (b - 1), header(status, "Range"));
        assertEquals(loc, header(status, "Location"));

        HttpResponse<byte[]> put = api.send("PUT", loc + "?digest=" + digest, Arrays.copyOfRange(data, b, data.length));
        assertEquals(201, put.statusCode(), () -> new String(put.body()));
        assertEquals("/v2/" + repo + "/blobs/" + digest, header(put, "Location"));
        assertEquals(digest, header(put, "Docker-Content-Digest"));
        assertArrayEquals(data, api.get("/v2/" + repo + "/blobs/" + digest).body());
        assertError(api.get(loc), 404, "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void postThenPutWithWholeBody() {
        String repo = Api.uniqueRepo("uploads/postput");
        byte[] data = Api.random(3000);
        String digest = Digest.sha256(data).toString();
        String loc = start(repo);
        assertEquals(201, api.send("PUT", loc + "?digest=" + digest, data).statusCode());
        assertArrayEquals(data, api.get("/v2/" + repo + "/blobs/" + digest).body());
    }

    @Test
    void streamingPatchWithoutContentRange() {
        String repo = Api.uniqueRepo("uploads/stream");
        byte[] data = Api.random(200_000);
        String loc = start(repo);
        HttpResponse<byte[]> p = api.send("PATCH", loc, Arrays.copyOfRange(data, 0, 150_000));
        assertEquals(202, p.statusCode());
        p = api.send("PATCH", loc, Arrays.copyOfRange(data, 150_000, 200_000));
        assertEquals("0-199999", header(p, "Range"));
        assertEquals(201, api.send("PUT", loc + "?digest=" + Digest.sha256(data), null).statusCode());
        assertArrayEquals(data, api.get("/v2/" + repo + "/blobs/" + Digest.sha256(data)).body());
    }

    @Test
    void outOfOrderAndOverlappingChunksGet416AndLeaveTheSessionUnchanged() {
        String repo = Api.uniqueRepo("uploads/order");
        byte[] data = Api.random(3000);
        String loc = start(repo);
        assertEquals(202, patch(loc, Arrays.copyOfRange(data, 0, 1000), 0).statusCode());

        assertError(patch(loc, Arrays.copyOfRange(data, 2000, 3000), 2000), 416, "BLOB_UPLOAD_INVALID"); // gap
        assertError(patch(loc, Arrays.copyOfRange(data, 500, 1500), 500), 416, "BLOB_UPLOAD_INVALID"); // overlap
        assertEquals("0-999", header(api.get(loc), "Range"));

        assertEquals(202, patch(loc, Arrays.copyOfRange(data, 1000, 3000), 1000).statusCode());
        HttpResponse<byte[]> put = api.send("PUT", loc + "?digest=" + Digest.sha256(data), null);
        assertEquals(201, put.statusCode(), () -> new String(put.body()));
        assertArrayEquals(data, api.get("/v2/" + repo + "/blobs/" + Digest.sha256(data)).body());
    }

    @Test
    void digestMismatchIs400AndStoresNothing() {
        String repo = Api.uniqueRepo("uploads/mismatch");
        byte[] data = Api.random(5000);
        String wrong = Digest.sha256(Api.random(10)).toString();
        String loc = start(repo);
        assertEquals(202, patch(loc, data, 0).statusCode());
        assertError(api.send("PUT", loc + "?digest=" + wrong, null), 400, "DIGEST_INVALID");
        assertError(api.head("/v2/" + repo + "/blobs/" + wrong), 404, "BLOB_UNKNOWN");
        assertError(api.head("/v2/" + repo + "/blobs/" + Digest.sha256(data)), 404, "BLOB_UNKNOWN");
        assertTrue(TestRegistry.node().uploads().blob(Digest.parse(wrong)).isEmpty(), "no blob stored under the wrong digest");

        // monolithic with a wrong digest: nothing stored either
        assertError(api.send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + wrong, data), 400, "DIGEST_INVALID");
        assertTrue(TestRegistry.node().uploads().blob(Digest.sha256(data)).isEmpty());
    }

    @Test
    void deleteCancelsTheUpload() {
        String repo = Api.uniqueRepo("uploads/cancel");
        String loc = start(repo);
        assertEquals(202, patch(loc, Api.random(100), 0).statusCode());
        assertEquals(204, api.delete(loc).statusCode());
        assertError(api.get(loc), 404, "BLOB_UPLOAD_UNKNOWN");
        assertError(patch(loc, Api.random(100), 100), 404, "BLOB_UPLOAD_UNKNOWN");
        assertError(api.delete(loc), 404, "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void unknownUploadAndUploadOfAnotherRepository() {
        String repo = Api.uniqueRepo("uploads/unknown");
        assertError(api.get("/v2/" + repo + "/blobs/uploads/no-such-upload"), 404, "BLOB_UPLOAD_UNKNOWN");
        String loc = start(repo);
        String other = loc.replace("/v2/" + repo + "/", "/v2/" + repo + "-other/");
        assertError(api.get(other), 404, "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void crossRepositoryMount() {
        String from = Api.uniqueRepo("uploads/mount-src");
        String to = Api.uniqueRepo("uploads/mount-dst");
        byte[] data = Api.random(4000);
        String digest = api.pushBlob(from, data);
        HttpResponse<byte[]> r = api.send("POST", "/v2/" + to + "/blobs/uploads/?mount=" + digest + "&from=" + from, null);
        assertEquals(201, r.statusCode(), () -> new String(r.body()));
        assertEquals("/v2/" + to + "/blobs/" + digest, header(r, "Location"));
        assertEquals(digest, header(r, "Docker-Content-Digest"));
        assertArrayEquals(data, api.get("/v2/" + to + "/blobs/" + digest).body());

        // a source that does not hold the blob: a normal upload session instead
        String nowhere = Api.uniqueRepo("uploads/mount-none");
        HttpResponse<byte[]> r2 = api.send("POST", "/v2/" + nowhere + "/blobs/uploads/?mount=" + digest + "&from=" + nowhere + "x", null);
        assertEquals(202, r2.statusCode());
        assertNotNull(header(r2, "Location"));
        assertError(api.head("/v2/" + nowhere + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
    }

    @Test
    void sameBytesTwiceAreStoredOnce() {
        byte[] data = Api.random(70_000);
        Digest d = Digest.sha256(data);
        var gc = TestRegistry.node().gc();
        api.pushBlob(Api.uniqueRepo("uploads/dedup-a"), data);
        long blobsBefore = gc.usage().blobs();
        String b = Api.uniqueRepo("uploads/dedup-b");
        api.pushBlob(b, data);
        assertArrayEquals(data, api.get("/v2/" + b + "/blobs/" + d).body());
        var blob = TestRegistry.node().uploads().blob(d).orElseThrow();
        assertEquals(70_000, blob.size());
        // the second upload's chunks were dropped: only the first upload's chunk holds the bytes
        assertEquals(1, blob.chunks().size());
        assertEquals(blobsBefore, gc.usage().blobs(), "a dedup adds no blob");
    }

    @Test
    void emptyBlob() {
        String repo = Api.uniqueRepo("uploads/empty");
        String digest = api.pushBlob(repo, new byte[0]);
        HttpResponse<byte[]> get = api.get("/v2/" + repo + "/blobs/" + digest);
        assertEquals(200, get.statusCode());
        assertEquals(0, get.body().length);
    }

    @Test
    void putWithoutDigestIsDigestInvalid() {
        String repo = Api.uniqueRepo("uploads/nodigest");
        String loc = start(repo);
        assertError(api.send("PUT", loc, null), 400, "DIGEST_INVALID");
        assertError(api.send("PUT", loc + "?digest=sha256:nothex", null), 400, "DIGEST_INVALID");
        assertEquals(204, api.get(loc).statusCode(), "the session survives a rejected PUT");
    }
}
