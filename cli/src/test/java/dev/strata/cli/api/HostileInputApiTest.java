package dev.strata.cli.api;

import static dev.strata.cli.api.Api.assertError;
import static dev.strata.cli.api.Api.header;
import static dev.strata.cli.api.RawHttp.status;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.core.oci.Digest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile clients at the HTTP level, against the real single node: each input gets the spec's
 * error, and afterwards the server still serves and a canary image is intact.
 */
class HostileInputApiTest {
    private static final String CANARY = "hostile/canary";
    private static byte[] canaryManifest;
    private static String canaryLayer;
    private static byte[] canaryLayerBytes;
    private final Api api = TestRegistry.api();
    private final int port = TestRegistry.node().port();

    @BeforeAll
    static void pushCanary() {
        Api api = TestRegistry.api();
        canaryLayerBytes = Api.random(100_000);
        canaryLayer = api.pushBlob(CANARY, canaryLayerBytes);
        ObjectNode m = api.imageManifest(CANARY, 1, Api.OCI_MANIFEST);
        m.withArray("layers").add(Api.descriptor("application/vnd.oci.image.layer.v1.tar+gzip", canaryLayer, canaryLayerBytes.length));
        canaryManifest = Api.bytes(m);
        assertEquals(201, api.putManifest(CANARY, "v1", Api.OCI_MANIFEST, canaryManifest).statusCode());
    }

    /** After every hostile input: the server answers and the canary's manifest and layer are byte-identical. */
    @AfterEach
    void serverAndDataIntact() {
        assertEquals(200, api.get("/v2/").statusCode());
        assertArrayEquals(canaryManifest, api.get("/v2/" + CANARY + "/manifests/v1").body());
        assertArrayEquals(canaryLayerBytes, api.get("/v2/" + CANARY + "/blobs/" + canaryLayer).body());
    }

    private String raw(String request) {
        try (RawHttp c = new RawHttp(port)) {
            return c.send(request).readResponse();
        }
    }

    // ---- path traversal, plain and encoded

    @ParameterizedTest
    @ValueSource(strings = {
        "/v2/../hostile/canary/manifests/v1",
        "/v2/x/../hostile/canary/manifests/v1",
        "/v2/%2e%2e/hostile/canary/manifests/v1",
        "/v2/hostile%2Fcanary/manifests/v1",
        "/v2/hostile/./canary/manifests/v1",
        "/v2/hostile/canary/../canary/tags/list",
        "/v2/hostile/%2e%2e%2f%2e%2e%2fetc/tags/list",
        "/v2/hostile/canary%00/tags/list",
        "/v2/hostile/canary/blobs/..%2f..%2fsha256:0",
        "/v2/hostile/canary/manifests/..%2Fv1",
        "/v2/hostile/canary/blobs/uploads/..%2F..%2Fx",
        "/v2/hostile//canary/manifests/v1",
    })
    void pathTraversalIsRejected(String path) {
        String resp = raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        int st = status(resp);
        assertTrue(st == 400 || st == 404, () -> path + " -> " + resp);
        assertFalse(resp.contains("\"schemaVersion\""), () -> path + " served a manifest: " + resp);
        if (st == 404) assertTrue(resp.contains("UNSUPPORTED") || resp.contains("UNKNOWN"), resp);
        else assertTrue(resp.contains("_INVALID"), resp);
    }

    // ---- header injection: CR/LF in anything that could be reflected into a header

    @ParameterizedTest
    @ValueSource(strings = {
        "/v2/hostile/canary/tags/list?n=1&last=a%0d%0aX-Injected:%201",
        "/v2/hostile/canary/tags/list?n=1%0d%0aX-Injected:%201",
        "/v2/_catalog?last=hostile%0d%0aX-Injected:%201",
        "/v2/hostile/canary/manifests/v1%0d%0aX-Injected:%201",
        "/v2/hostile/canary%0d%0aX-Injected:%201/manifests/v1",
        "/v2/hostile/canary/blobs/sha256:0%0d%0aX-Injected:%201",
    })
    void crlfInParametersIsNeverReflectedIntoHeaders(String path) {
        String resp = raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertEquals(400, status(resp), resp);
        String head = resp.substring(0, resp.indexOf("\r\n\r\n"));
        assertFalse(head.toLowerCase().contains("x-injected"), head);
    }

    @Test
    void crlfInUploadParametersIsNotReflected() {
        HttpResponse<byte[]> r = api.send("POST", "/v2/hostile/inject/blobs/uploads/?mount=sha256:"
                + "0".repeat(64) + "&from=a%0d%0aX-Injected:%201", null);
        assertError(r, 400, "NAME_INVALID");
        assertTrue(r.headers().firstValue("X-Injected").isEmpty());
        HttpResponse<byte[]> started = api.send("POST", "/v2/hostile/inject/blobs/uploads/", null);
        assertTrue(header(started, "Location").matches("/v2/hostile/inject/blobs/uploads/[A-Za-z0-9-]+"), header(started, "Location"));
        HttpResponse<byte[]> put = api.send("PUT", header(started, "Location") + "?digest=sha256:0%0d%0aX-Injected:%201", new byte[] {1});
        assertError(put, 400, "DIGEST_INVALID");
        assertTrue(put.headers().firstValue("X-Injected").isEmpty());
    }

    // ---- bodies that lie about their length, and truncated chunks

    @Test
    void bodyShorterThanContentLengthStoresNothing() {
        byte[] data = Api.random(5000);
        String digest = Digest.sha256(data).toString();
        try (RawHttp c = new RawHttp(port)) {
            c.send("POST /v2/hostile/short/blobs/uploads/?digest=" + digest + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
                    .send(Arrays.copyOf(data, 2500)).shutdownOutput();
            String resp = c.readToClose();
            assertFalse(resp.startsWith("HTTP/1.1 201"), resp);
        }
        assertError(api.head("/v2/hostile/short/blobs/" + digest), 404, "BLOB_UNKNOWN");
    }

    @Test
    void bodyLongerThanContentLengthIsCutAtTheDeclaredLength() {
        byte[] data = Api.random(4000);
        String firstHalf = Digest.sha256(Arrays.copyOf(data, 2000)).toString();
        String whole = Digest.sha256(data).toString();
        try (RawHttp c = new RawHttp(port)) {
            c.send("POST /v2/hostile/long/blobs/uploads/?digest=" + whole + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n")
                    .send(data);
            String first = c.readResponse();
            assertEquals(400, status(first), first); // the digest covers 4000 bytes, the request has 2000
            assertTrue(first.contains("DIGEST_INVALID"), first);
        }
        try (RawHttp c = new RawHttp(port)) {
            c.send("POST /v2/hostile/long/blobs/uploads/?digest=" + firstHalf + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n")
                    .send(data);
            String first = c.readResponse();
            assertEquals(201, status(first), first);
            // the surplus is parsed as the next request: garbage, answered 400 and the connection closed
            String rest = c.readToClose();
            assertTrue(rest.isEmpty() || status(rest) == 400, rest);
        }
        assertArrayEquals(Arrays.copyOf(data, 2000), api.get("/v2/hostile/long/blobs/" + firstHalf).body());
        assertError(api.head("/v2/hostile/long/blobs/" + whole), 404, "BLOB_UNKNOWN");
    }

    @Test
    void truncatedOrMalformedChunkedBodyStoresNothing() {
        byte[] data = Api.random(3000);
        String digest = Digest.sha256(data).toString();
        try (RawHttp c = new RawHttp(port)) {
            c.send("POST /v2/hostile/chunks/blobs/uploads/?digest=" + digest + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "bb8\r\n").send(Arrays.copyOf(data, 1000)).shutdownOutput();
            String resp = c.readToClose();
            assertFalse(resp.startsWith("HTTP/1.1 201"), resp);
        }
        try (RawHttp c = new RawHttp(port)) {
            c.send("POST /v2/hostile/chunks/blobs/uploads/?digest=" + digest + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "zz\r\n").send(data);
            String resp = c.readToClose();
            assertFalse(resp.startsWith("HTTP/1.1 201"), resp);
        }
        assertError(api.head("/v2/hostile/chunks/blobs/" + digest), 404, "BLOB_UNKNOWN");
    }

    @Test
    void chunkedPatchTruncatedMidwayLeavesTheSessionWhereItWas() {
        HttpResponse<byte[]> start = api.send("POST", "/v2/hostile/patch/blobs/uploads/", null);
        String loc = header(start, "Location");
        byte[] first = Api.random(1000);
        assertEquals(202, api.send("PATCH", loc, first, "Content-Range", "0-999").statusCode());
        try (RawHttp c = new RawHttp(port)) {
            c.send("PATCH " + loc + " HTTP/1.1\r\nHost: x\r\nContent-Range: 1000-2999\r\nContent-Length: 2000\r\n\r\n")
                    .send(Api.random(700)).shutdownOutput();
            c.readToClose();
        }
        HttpResponse<byte[]> status = api.get(loc);
        assertEquals(204, status.statusCode());
        assertEquals("0-999", header(status, "Range"));
        byte[] rest = Api.random(500);
        byte[] all = new byte[1500];
        System.arraycopy(first, 0, all, 0, 1000);
        System.arraycopy(rest, 0, all, 1000, 500);
        String d = Digest.sha256(all).toString();
        assertEquals(201, api.send("PUT", loc + "?digest=" + d, rest, "Content-Range", "1000-1499").statusCode());
        assertArrayEquals(all, api.get("/v2/hostile/patch/blobs/" + d).body());
    }

    // ---- digest mismatches

    @Test
    void digestMismatchStoresNothing() {
        byte[] data = Api.random(10_000);
        String wrong = Digest.sha256(Api.random(10)).toString();
        assertError(api.send("POST", "/v2/hostile/digest/blobs/uploads/?digest=" + wrong, data), 400, "DIGEST_INVALID");
        assertError(api.head("/v2/hostile/digest/blobs/" + wrong), 404, "BLOB_UNKNOWN");
        assertError(api.head("/v2/hostile/digest/blobs/" + Digest.sha256(data)), 404, "BLOB_UNKNOWN");
        // a manifest PUT by digest whose body hashes to something else
        byte[] manifest = canaryManifest;
        assertError(api.putManifest(CANARY, wrong, Api.OCI_MANIFEST, manifest), 400, "DIGEST_INVALID");
    }

    // ---- JSON bombs and bad encodings

    @Test
    void deeplyNestedJsonIsManifestInvalid() {
        String deep = "{\"schemaVersion\":2,\"mediaType\":\"" + Api.OCI_MANIFEST + "\",\"annotations\":" + "[".repeat(100_000)
                + "]".repeat(100_000) + "}";
        HttpResponse<byte[]> r = api.putManifest("hostile/deep", "v1", Api.OCI_MANIFEST, deep.getBytes(StandardCharsets.UTF_8));
        assertError(r, 400, "MANIFEST_INVALID");
        assertError(api.get("/v2/hostile/deep/manifests/v1"), 404, "MANIFEST_UNKNOWN");
    }

    @Test
    void invalidUtf8IsManifestInvalid() {
        ObjectNode m = api.imageManifest("hostile/utf8", 1, Api.OCI_MANIFEST);
        m.putObject("annotations").put("k", "XX");
        byte[] b = Api.bytes(m);
        String s = new String(b, StandardCharsets.ISO_8859_1);
        int at = s.indexOf("XX");
        b[at] = (byte) 0xC3; // a lead byte followed by ASCII: not UTF-8
        b[at + 1] = (byte) 0x28;
        assertError(api.putManifest("hostile/utf8", "v1", Api.OCI_MANIFEST, b), 400, "MANIFEST_INVALID");
        assertError(api.get("/v2/hostile/utf8/manifests/v1"), 404, "MANIFEST_UNKNOWN");
    }

    // ---- another repository's blobs

    @Test
    void manifestReferencingAnotherRepositorysBlobIsRejected() {
        ObjectNode m = api.imageManifest("hostile/thief", 0, Api.OCI_MANIFEST);
        m.withArray("layers").add(Api.descriptor("application/vnd.oci.image.layer.v1.tar+gzip", canaryLayer, canaryLayerBytes.length));
        assertError(api.putManifest("hostile/thief", "stolen", Api.OCI_MANIFEST, Api.bytes(m)), 400, "MANIFEST_BLOB_UNKNOWN");
        assertError(api.get("/v2/hostile/thief/blobs/" + canaryLayer), 404, "BLOB_UNKNOWN");
        assertError(api.get("/v2/hostile/thief/manifests/stolen"), 404, "MANIFEST_UNKNOWN");
        // and the canary's manifest digest is not readable through another repository either
        assertError(api.get("/v2/hostile/thief/manifests/" + Digest.sha256(canaryManifest)), 404, "MANIFEST_UNKNOWN");
    }

    // ---- oversized heads

    @Test
    void oversizedHeadersAre431AndOversizedRequestLinesAre414() {
        String big = "a".repeat(20_000);
        String resp = raw("GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\nConnection: close\r\n\r\n");
        assertEquals(431, status(resp), resp);
        String resp2 = raw("GET /v2/" + big + "/tags/list HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertEquals(414, status(resp2), resp2);
    }
}
