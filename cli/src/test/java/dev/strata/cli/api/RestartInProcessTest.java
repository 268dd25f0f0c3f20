package dev.strata.cli.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.cli.ServeConfig;
import dev.strata.cli.SingleNode;
import dev.strata.core.oci.Digest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A clean stop and a start on the same data directory keep every tag, manifest and blob, and an
 * upload in progress continues: the new process re-hashes the chunks already stored.
 */
class RestartInProcessTest {
    @Test
    void stateSurvivesRestartAndUploadsResume() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "restart-").toAbsolutePath();
        String repo = "restart/app";
        byte[] manifest;
        byte[] blob = Api.random(6 * 1024 * 1024);
        String blobDigest;
        byte[] partial = Api.random(3 * 1024 * 1024 + 5);
        String uploadLocation;
        int port;
        try (SingleNode node = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir, 2))) {
            port = node.port();
            Api api = new Api("http://127.0.0.1:" + port);
            manifest = api.pushImage(repo, "v1", 2);
            blobDigest = api.pushBlob(repo, blob);
            HttpResponse<byte[]> start = api.send("POST", "/v2/" + repo + "/blobs/uploads/", null);
            uploadLocation = start.headers().firstValue("Location").orElseThrow();
            HttpResponse<byte[]> p = api.send("PATCH", uploadLocation, Arrays.copyOfRange(partial, 0, 2 * 1024 * 1024),
                    "Content-Range", "0-" + (2 * 1024 * 1024 - 1));
            assertEquals(202, p.statusCode());
        }
        try (SingleNode node = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir, 2))) {
            Api api = new Api("http://127.0.0.1:" + node.port());
            HttpResponse<byte[]> get = api.get("/v2/" + repo + "/manifests/v1");
            assertEquals(200, get.statusCode());
            assertArrayEquals(manifest, get.body());
            assertArrayEquals(blob, api.get("/v2/" + repo + "/blobs/" + blobDigest).body());
            assertEquals("[\"v1\"]", Api.json(api.get("/v2/" + repo + "/tags/list")).path("tags").toString());

            HttpResponse<byte[]> status = api.get(uploadLocation);
            assertEquals(204, status.statusCode());
            assertEquals("0-" + (2 * 1024 * 1024 - 1), status.headers().firstValue("Range").orElseThrow());
            HttpResponse<byte[]> rest = api.send("PUT", uploadLocation + "?digest=" + Digest.sha256(partial),
                    Arrays.copyOfRange(partial, 2 * 1024 * 1024, partial.length));
            assertEquals(201, rest.statusCode(), () -> new String(rest.body()));
            assertArrayEquals(partial, api.get("/v2/" + repo + "/blobs/" + Digest.sha256(partial)).body());
        }
        // the projections are only caches of the log: without them, a start rebuilds them by replay
        deleteTree(dir.resolve("meta"));
        try (SingleNode node = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir, 2))) {
            Api api = new Api("http://127.0.0.1:" + node.port());
            assertArrayEquals(manifest, api.get("/v2/" + repo + "/manifests/v1").body());
            assertArrayEquals(blob, api.get("/v2/" + repo + "/blobs/" + blobDigest).body());
            assertArrayEquals(partial, api.get("/v2/" + repo + "/blobs/" + Digest.sha256(partial)).body());
            assertEquals(404, api.get(uploadLocation).statusCode(), "the completed upload stays completed");
        }
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        try (var walk = Files.walk(p)) {
            for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
