package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static dev.strata.cli.api.Api.header;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertTrue(r.headers().firstValue("Cache-Control").isEmpty(), "a 416 is not cacheable");
        assertTrue(r.headers().firstValue("ETag").isEmpty(), "a 416 carries no validator");
    }

    @Test
    void malformedOrUnknownRangesAreIgnored() {
        String repo = Api.uniqueRepo("blobs/range-ignored");
        byte[] data = Api.random(1000);
        String digest = api.pushBlob(repo, data);
        String path = "/v2/" + repo + "/blobs/" + digest;
        for (String h : new String[] {"items=0-1", "bytes=abc", "bytes=5-3", "bytes=0-1,5-3"}) {
            HttpResponse<byte[]> r = api.get(path, "Range", h);
            assertEquals(200, r.statusCode(), h);
            assertArrayEquals(data, r.body(), h);
            assertEquals("max-age=31536000", header(r, "Cache-Control"), h);
            assertEquals("\"" + digest + "\"", header(r, "ETag"), h);
            assertTrue(r.headers().firstValue("Content-Range").isEmpty(), h);
        }
        // ranges are for GET only; an If-Range that is not this blob's tag means "send it all"
        HttpResponse<byte[]> head = api.send("HEAD", path, null, "Range", "bytes=0-9");
        assertEquals(200, head.statusCode());
        assertEquals("1000", header(head, "Content-Length"));
        HttpResponse<byte[]> other = api.send("GET", path, null, "Range", "bytes=0-9", "If-Range", "\"sha256:0000\"");
        assertEquals(200, other.statusCode());
        assertArrayEquals(data, other.body());
        HttpResponse<byte[]> same = api.send("GET", path, null, "Range", "bytes=0-9", "If-Range", "\"" + digest + "\"");
        assertEquals(206, same.statusCode());
        assertArrayEquals(Arrays.copyOfRange(data, 0, 10), same.body());
    }

    @Test
    void severalRangesAreOneMultipartResponse() {
        String repo = Api.uniqueRepo("blobs/multirange");
        byte[] data = Api.random(9 * 1024 * 1024); // parts in different chunks
        String digest = api.pushBlob(repo, data);
        int a = 4 * 1024 * 1024 - 7;
        int b = 8 * 1024 * 1024 + 3;
        HttpResponse<byte[]> r = api.get("/v2/" + repo + "/blobs/" + digest, "Range",
                "bytes=" + b + "-" + (b + 999) + ", 0-99, -10," + a + "-" + (a + 20));
        assertEquals(206, r.statusCode());
        String type = header(r, "Content-Type");
        assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
        assertEquals(Integer.toString(r.body().length), header(r, "Content-Length"));
        String boundary = type.substring(type.indexOf("boundary=") + 9);
        // sorted, each part with its own Content-Range; one part crosses a chunk boundary
        int[][] expected = {{0, 99}, {a, a + 20}, {b, b + 999}, {data.length - 10, data.length - 1}};
        int at = 0;
        byte[] body = r.body();
        for (int[] e : expected) {
            String head = "--" + boundary + "\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes " + e[0] + "-" + e[1]
                    + "/" + data.length + "\r\n\r\n";
            if (at > 0) head = "\r\n" + head;
            assertEquals(head, new String(body, at, head.length(), java.nio.charset.StandardCharsets.US_ASCII));
            at += head.length();
            assertArrayEquals(Arrays.copyOfRange(data, e[0], e[1] + 1), Arrays.copyOfRange(body, at, at + e[1] - e[0] + 1));
            at += e[1] - e[0] + 1;
        }
        assertEquals("\r\n--" + boundary + "--\r\n", new String(body, at, body.length - at, java.nio.charset.StandardCharsets.US_ASCII));
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
