package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A 2 GiB blob through a server with a 256 MiB heap (Strata only): the body is generated on the
 * fly from a seeded PRNG (never held in memory or on disk by the test), uploaded as POST + one
 * PATCH + PUT ?digest=, then read back streaming and checked by length and sha256.
 */
@ExtendWith(ServerLogOnFailure.class)
class BigBlobStreamingE2ETest {
    static final long SIZE = 2L * 1024 * 1024 * 1024;
    static StrataProcess server;

    @BeforeAll
    static void start() {
        if (StrataProcess.externalRegistry() != null) {
            return; // each test skips in @BeforeEach, naming the property
        }
        server = StrataProcess.start("bigblob", "-Xmx256m");
    }

    @BeforeEach
    void onlyWithALaunchedServer() {
        StrataProcess.assumeLaunchable("BigBlobStreamingE2ETest (-Xmx256m server)");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void twoGiBBlobStreamsThroughA256MiBHeap() throws Exception {
        String repo = "e2e/bigblob-" + E2E.token();
        long seed = E2E.freshSeed();
        String digest;
        try (var in = new E2E.PrngStream(seed, SIZE)) {
            digest = E2E.digest(in);
        }
        RegistryClient c = new RegistryClient(server);

        HttpResponse<byte[]> post = c.send(HttpRequest.newBuilder(c.uri("/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(202, post.statusCode(), () -> "POST upload: " + new String(post.body()));
        String url = ResumeUploadE2ETest.location(post, c);

        HttpRequest patch = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", "0-" + (SIZE - 1))
                .method("PATCH", HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> new E2E.PrngStream(seed, SIZE)), SIZE))
                .build();
        HttpResponse<byte[]> patched = c.http.send(patch, HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(202, patched.statusCode(), () -> "PATCH 2 GiB: " + new String(patched.body()));
        ResumeUploadE2ETest.assertRange(patched, SIZE, "PATCH 2 GiB");
        url = ResumeUploadE2ETest.location(patched, c);

        HttpResponse<byte[]> put = c.send(HttpRequest.newBuilder(URI.create(ResumeUploadE2ETest.withDigest(url, digest)))
                .PUT(HttpRequest.BodyPublishers.noBody()));
        assertEquals(201, put.statusCode(), () -> "PUT ?digest= : " + new String(put.body()));

        HttpResponse<byte[]> head = c.head("/v2/" + repo + "/blobs/" + digest);
        assertEquals(200, head.statusCode(), "HEAD of the 2 GiB blob");
        assertEquals(String.valueOf(SIZE), head.headers().firstValue("Content-Length").orElse("?"));

        c.assertBlob(repo, digest, SIZE);

        assertTrue(server.isAlive(), "server died during the 2 GiB round trip");
        assertEquals(200, c.get("/v2/").statusCode(), "server still answers after the 2 GiB round trip");
        String log = Files.readString(server.logFile());
        assertFalse(log.contains("OutOfMemoryError"), "server log mentions OutOfMemoryError\n" + server.logTail());
    }
}
