package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.spi.CephTestCluster;
import dev.strata.storage.RadosChunkStore;
import dev.strata.storage.RadosConfig;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code strata serve --storage rados --ceph-conf FILE --ceph-namespace NS} against the real Ceph
 * cluster of STRATA_CEPH_CONF (bin/test starts one): push a multi-chunk blob and a manifest over
 * HTTP, pull them back byte for byte (also a Range), find the chunks as objects in the RADOS
 * namespace and no local chunk store, and read everything again after a restart.
 */
@ExtendWith(ServerLogOnFailure.class)
class RadosServeE2ETest {
    static StrataProcess server;

    @BeforeAll
    static void start() {
        StrataProcess.assumeLaunchable("RadosServeE2ETest (serve on RADOS)");
        server = StrataProcess.startOnRados("rados-serve");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static List<String> radosChunkIds() {
        RadosConfig config = RadosConfig.of(Path.of(StrataProcess.cephConf()), CephTestCluster.pool(), server.radosNamespace());
        List<String> ids = new ArrayList<>();
        try (RadosChunkStore store = new RadosChunkStore(config)) {
            store.list(null, ids::add);
        }
        return ids;
    }

    @Test
    void pushAndPullABlobAndAManifestOnRados() {
        RegistryClient c = new RegistryClient(server);
        String repo = "e2e/rados-" + E2E.token();
        byte[] layer = E2E.randomBytes(9 * 1024 * 1024 + 7); // three 4 MiB chunks
        String layerDigest = E2E.digest(layer);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"token\":\"" + E2E.token() + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] manifest = c.pushImage(repo, "v1", config, layer);
        String manifestDigest = E2E.digest(manifest);

        assertPulls(c, repo, layer, layerDigest, manifest, manifestDigest);

        // the bytes live in RADOS: 3 layer chunks, 1 config chunk, the manifest; nothing on local disk
        List<String> ids = radosChunkIds();
        assertTrue(ids.size() >= 5, "chunks in the RADOS namespace " + server.radosNamespace() + ": " + ids);
        assertTrue(ids.stream().anyMatch(id -> id.contains(manifestDigest.substring("sha256:".length()))),
                "the manifest's bytes are a RADOS object: " + ids);
        assertFalse(Files.exists(server.dataDir().resolve("storage")), "no local chunk store under " + server.dataDir());

        server.restart();
        assertPulls(new RegistryClient(server), repo, layer, layerDigest, manifest, manifestDigest);
    }

    private static void assertPulls(RegistryClient c, String repo, byte[] layer, String layerDigest, byte[] manifest, String manifestDigest) {
        assertArrayEquals(manifest, c.manifestBytes(repo, "v1", manifestDigest), "manifest by tag");
        c.assertBlobBytes(repo, layer);
        int from = 4 * 1024 * 1024 - 10; // across the first chunk boundary
        HttpResponse<byte[]> range = c.get("/v2/" + repo + "/blobs/" + layerDigest, "Range", "bytes=" + from + "-" + (from + 99));
        assertEquals(206, range.statusCode(), "GET blob with Range");
        assertArrayEquals(Arrays.copyOfRange(layer, from, from + 100), range.body(), "ranged bytes");
    }
}
