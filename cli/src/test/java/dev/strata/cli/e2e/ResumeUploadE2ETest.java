package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A chunked blob upload survives kill -9 (Strata only): POST, PATCH chunks with Content-Range,
 * kill -9, restart, GET the upload URL reports exactly the acknowledged bytes, PATCH the rest,
 * PUT ?digest= and the blob is served byte for byte.
 */
@ExtendWith(ServerLogOnFailure.class)
class ResumeUploadE2ETest {
    static StrataProcess server;

    @BeforeAll
    static void start() {
        if (StrataProcess.externalRegistry() != null) {
            return; // each test skips in @BeforeEach, naming the property
        }
        server = StrataProcess.start("resume");
    }

    @BeforeEach
    void onlyWithALaunchedServer() {
        StrataProcess.assumeLaunchable("ResumeUploadE2ETest (kill -9 / restart)");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Appends digest=... to an upload URL that may already carry a query. */
    static String withDigest(String url, String digest) {
        return url + (url.contains("?") ? "&" : "?") + "digest=" + digest;
    }

    /** The same path and query on the current server address (it may have moved on restart). */
    static String rebase(String url, String baseUrl) {
        URI u = URI.create(url);
        String pathAndQuery = u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        return baseUrl + pathAndQuery;
    }

    static String location(HttpResponse<byte[]> r, RegistryClient c) {
        String loc = r.headers().firstValue("Location")
                .orElseThrow(() -> new AssertionError("no Location header in " + r.statusCode() + " response to " + r.request().method()));
        return c.uri(loc).toString();
    }

    static HttpResponse<byte[]> patch(RegistryClient c, String url, byte[] data, int from, int to) {
        return c.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", from + "-" + (to - 1))
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(data, from, to - from)));
    }

    static void assertRange(HttpResponse<byte[]> r, long acknowledged, String what) {
        assertEquals("0-" + (acknowledged - 1), r.headers().firstValue("Range").orElse("(no Range header)"),
                "Range after " + what);
    }

    @Test
    void chunkedUploadResumesAfterKill9() {
        String repo = "e2e/resume-" + E2E.token();
        byte[] data = E2E.randomBytes(5 * 1024 * 1024 + 123);
        String digest = E2E.digest(data);
        int[] cuts = {0, 1024 * 1024, 5 * 1024 * 1024 / 2, data.length};

        RegistryClient c = new RegistryClient(server);
        HttpResponse<byte[]> post = c.send(HttpRequest.newBuilder(c.uri("/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(202, post.statusCode(), () -> "POST upload: " + new String(post.body()));
        String url = location(post, c);

        for (int k = 0; k < 2; k++) {
            HttpResponse<byte[]> r = patch(c, url, data, cuts[k], cuts[k + 1]);
            int chunk = k;
            assertEquals(202, r.statusCode(), () -> "PATCH chunk " + chunk + ": " + new String(r.body()));
            assertRange(r, cuts[k + 1], "PATCH chunk " + k);
            url = location(r, c);
        }
        long acknowledged = cuts[2];
        HttpResponse<byte[]> before = c.send(HttpRequest.newBuilder(URI.create(url)).GET());
        assertEquals(204, before.statusCode(), "GET upload status before the kill");
        assertRange(before, acknowledged, "GET upload status before the kill");

        server.kill9();
        server.restart();
        c = new RegistryClient(server);
        url = rebase(url, server.baseUrl());

        HttpResponse<byte[]> status = c.send(HttpRequest.newBuilder(URI.create(url)).GET());
        assertEquals(204, status.statusCode(), () -> "GET upload status after kill -9 + restart: " + new String(status.body()));
        assertRange(status, acknowledged, "GET upload status after kill -9 + restart");
        if (status.headers().firstValue("Location").isPresent()) {
            url = rebase(location(status, c), server.baseUrl());
        }

        HttpResponse<byte[]> last = patch(c, url, data, cuts[2], cuts[3]);
        assertEquals(202, last.statusCode(), () -> "PATCH of the rest after restart: " + new String(last.body()));
        assertRange(last, data.length, "PATCH of the rest");
        url = location(last, c);

        HttpResponse<byte[]> put = c.send(HttpRequest.newBuilder(URI.create(withDigest(url, digest)))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.noBody()));
        assertEquals(201, put.statusCode(), () -> "PUT ?digest= : " + new String(put.body()));
        assertTrue(put.headers().firstValue("Location").isPresent(), "Location header on 201");
        put.headers().firstValue("Docker-Content-Digest").ifPresent(h -> assertEquals(digest, h));

        HttpResponse<byte[]> head = c.head("/v2/" + repo + "/blobs/" + digest);
        assertEquals(200, head.statusCode());
        assertEquals(String.valueOf(data.length), head.headers().firstValue("Content-Length").orElse("?"), "Content-Length of HEAD blob");
        HttpResponse<byte[]> get = c.get("/v2/" + repo + "/blobs/" + digest);
        assertEquals(200, get.statusCode());
        assertEquals(data.length, get.body().length, "length of the blob served");
        assertTrue(Arrays.equals(data, get.body()), "the served blob differs from the uploaded bytes");
        assertArrayEquals(data, get.body());
    }
}
