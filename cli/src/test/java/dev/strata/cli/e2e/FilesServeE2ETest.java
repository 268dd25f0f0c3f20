package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code strata serve --storage files} as a process: chunks are files under {@code DATA/files}
 * (no RocksDB chunk store); skopeo pulls an image back byte for byte; everything acknowledged
 * survives kill -9; and a GC pass after a manifest delete removes the files of the blob it freed
 * while the other image stays intact.
 */
@ExtendWith(ServerLogOnFailure.class)
class FilesServeE2ETest {
    static StrataProcess server;
    static Tools tools;

    @BeforeAll
    static void start() {
        StrataProcess.assumeLaunchable("FilesServeE2ETest (serve --storage files)");
        Tools.require("skopeo");
        tools = Tools.get();
        // GC only on demand (interval 0), with a grace short enough to wait out in the test
        server = StrataProcess.startWith("files-serve", List.of("--storage", "files", "--gc-grace", "1s", "--gc-interval", "0"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Total bytes of the chunk files ({@code @ID}) under DATA/files. */
    private static long chunkFileBytes() {
        try (Stream<Path> s = Files.walk(server.dataDir().resolve("files"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("@")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // removed while walking
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] config(String name) {
        return ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"name\":\"" + name + "-" + E2E.token() + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void pushPullKillNineAndCollectOnFiles() throws Exception {
        RegistryClient c = new RegistryClient(server);
        String repo = "e2e/files-" + E2E.token();
        byte[] keepLayer = E2E.randomBytes(9 * 1024 * 1024 + 7); // three 4 MiB chunks
        byte[] keepManifest = c.pushImage(repo, "keep", config("keep"), keepLayer);
        byte[] dropLayer = E2E.randomBytes(6 * 1024 * 1024 + 3);
        byte[] dropManifest = c.pushImage(repo, "drop", config("drop"), dropLayer);

        long stored = chunkFileBytes();
        assertTrue(stored >= keepLayer.length + dropLayer.length + keepManifest.length + dropManifest.length,
                "the pushed bytes are chunk files under " + server.dataDir().resolve("files") + ": " + stored + " bytes");
        assertFalse(Files.exists(server.dataDir().resolve("storage")), "no RocksDB chunk store under " + server.dataDir());

        // a real client pulls the image back, byte for byte
        // (dir: keeps each blob as pulled; an oci: destination would gzip the uncompressed layer)
        Path out = E2E.freshDir("files-pull");
        tools.skopeo("copy", "--src-tls-verify=false", "docker://" + server.hostPort() + "/" + repo + ":keep", "dir:" + out);
        String layerDigest = E2E.digest(keepLayer);
        try (Stream<Path> files = Files.list(out)) {
            List<Path> pulled = files.filter(p -> Files.isRegularFile(p) && p.toFile().length() == keepLayer.length).toList();
            assertEquals(1, pulled.size(), "one file of the layer's size in " + out + ": " + pulled);
            assertEquals(layerDigest, E2E.digest(pulled.get(0)), "layer pulled by skopeo");
        }

        // kill -9 right after the acknowledged pushes: all of it is served after the restart
        server.kill9();
        assertFalse(server.isAlive());
        server.restart();
        c = new RegistryClient(server);
        assertArrayEquals(keepManifest, c.manifestBytes(repo, "keep", E2E.digest(keepManifest)), "manifest keep after kill -9");
        assertArrayEquals(dropManifest, c.manifestBytes(repo, "drop", E2E.digest(dropManifest)), "manifest drop after kill -9");
        c.assertBlobBytes(repo, keepLayer);
        c.assertBlobBytes(repo, dropLayer);

        // delete one image; once past the grace, a GC pass removes its layer's files
        String dropDigest = E2E.digest(dropManifest);
        HttpResponse<byte[]> del = c.send(HttpRequest.newBuilder(c.uri("/v2/" + repo + "/manifests/" + dropDigest)).DELETE());
        assertEquals(202, del.statusCode(), () -> "DELETE manifest: " + new String(del.body(), StandardCharsets.UTF_8));
        String dropLayerDigest = E2E.digest(dropLayer);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (c.headBlob(repo, dropLayerDigest) != 404) {
            assertTrue(System.nanoTime() < deadline, "the freed layer was not collected within 90 s");
            StrataProcess.sleep(1_100); // past the 1 s grace
            HttpResponse<byte[]> pass = c.send(HttpRequest.newBuilder(c.uri("/strata/v1/gc")).POST(HttpRequest.BodyPublishers.noBody()));
            assertEquals(200, pass.statusCode(), () -> "POST /strata/v1/gc: " + new String(pass.body(), StandardCharsets.UTF_8));
        }
        long after = chunkFileBytes();
        assertTrue(after <= stored - dropLayer.length,
                "the freed layer's chunk files are gone: " + stored + " bytes before, " + after + " after");
        c.assertBlobBytes(repo, keepLayer);
        assertArrayEquals(keepManifest, c.manifestBytes(repo, "keep", E2E.digest(keepManifest)), "the kept image after GC");
    }
}
