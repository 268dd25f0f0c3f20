package dev.strata.cli.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cli.ServeConfig;
import dev.strata.cli.SingleNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code strata serve --storage files}: a real node with one file per chunk under DATA/files takes
 * pushes, serves whole and ranged pulls, and keeps everything across a restart.
 */
class FilesStorageApiTest {
    private static long chunkFiles(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("@")).count();
        }
    }

    @Test
    void pushPullAndRestartWithFileChunks() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "files-storage-").toAbsolutePath();
        String repo = "files/app";
        byte[] blob = Api.random(9 * 1024 * 1024 + 7);
        byte[] manifest;
        String digest;
        try (SingleNode node = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir, 2).withFiles())) {
            Api api = new Api("http://127.0.0.1:" + node.port());
            manifest = api.pushImage(repo, "v1", 2);
            digest = api.pushBlob(repo, blob);
            assertArrayEquals(blob, api.get("/v2/" + repo + "/blobs/" + digest).body());
            HttpResponse<byte[]> range = api.send("GET", "/v2/" + repo + "/blobs/" + digest, null, "Range", "bytes=5000000-5000099");
            assertEquals(206, range.statusCode());
            assertArrayEquals(Arrays.copyOfRange(blob, 5_000_000, 5_000_100), range.body());
        }
        assertTrue(chunkFiles(dir.resolve("files")) >= 3, "blob and manifest chunks are files under DATA/files");
        assertFalse(Files.exists(dir.resolve("storage")), "no RocksDB chunk store");
        try (SingleNode node = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir, 2).withFiles())) {
            Api api = new Api("http://127.0.0.1:" + node.port());
            assertArrayEquals(manifest, api.get("/v2/" + repo + "/manifests/v1").body());
            assertArrayEquals(blob, api.get("/v2/" + repo + "/blobs/" + digest).body());
        }
    }
}
