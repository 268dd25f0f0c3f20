package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * podman against the registry: load an image from an OCI layout into (private) containers-storage,
 * push it, remove it locally, pull it back and compare image ID, manifest digest, diff IDs and the
 * files' bytes.
 */
@ExtendWith(ServerLogOnFailure.class)
class PodmanE2ETest {
    static StrataProcess registry;
    static RegistryClient client;
    static Tools tools;
    static Path work;
    static OciLayout layout;
    static String configDigest;
    static List<Object> diffIds;
    static final Map<String, String> sourceFiles = new LinkedHashMap<>();

    @BeforeAll
    static void buildLayout() {
        Tools.require("podman", "umoci", "runc");
        tools = Tools.get();
        registry = StrataProcess.shared();
        client = new RegistryClient(registry);
        work = E2E.freshDir("podman");
        layout = OciLayout.init(tools, work.resolve("layout")).newImage(tools, "p1", "linux", "amd64");
        sourceFiles.putAll(layout.addLayer(tools, "p1", Map.of("data/big.bin", 24L * 1024 * 1024 + 3)));
        sourceFiles.putAll(layout.addLayer(tools, "p1", Map.of("data/small.bin", 10_000L, "data/tiny.bin", 7L)));
        sourceFiles.putAll(layout.addLayer(tools, "p1", Map.of("etc/e2e.txt", "podman e2e\n".getBytes())));
        layout.gc(tools);
        Map<String, Object> manifest = layout.manifest("p1");
        configDigest = Json.str(manifest, "config", "digest");
        diffIds = Json.arr(Json.at(layout.json(configDigest), "rootfs", "diff_ids"));
        assertEquals(3, diffIds.size());
    }

    @AfterAll
    static void cleanStorage() {
        if (tools != null) {
            tools.resetContainerStorage();
        }
    }

    @Test
    void pushRemovePullBackKeepsImageIdLayersAndBytes() throws Exception {
        String repo = "e2e/podman-" + E2E.token();
        String remote = registry.hostPort() + "/" + repo + ":p1";

        Tools.Result pulled = tools.podman("pull", layout.ref("p1"));
        String imageId = lastLine(pulled.stdout);
        assertEquals(E2E.hex(configDigest), imageId, "podman image ID = config digest of the layout image");

        Path digestFile = work.resolve("push.digest");
        tools.podman("push", "--tls-verify=false", "--digestfile", digestFile.toString(), imageId, "docker://" + remote);
        String pushed = Files.readString(digestFile).trim();
        assertTrue(pushed.startsWith("sha256:"), pushed);

        // What the registry holds: the pushed manifest, same config, all layers retrievable.
        byte[] manifestBytes = client.manifestBytes(repo, "p1", pushed);
        Map<String, Object> manifest = Json.obj(Json.parse(manifestBytes));
        assertEquals(configDigest, Json.str(manifest, "config", "digest"), "config digest in the pushed manifest");
        assertEquals(diffIds.size(), OciLayout.layers(manifest).size(), "layer count in the pushed manifest");
        for (Map.Entry<String, Long> b : OciLayout.blobsOf(manifest).entrySet()) {
            client.assertBlob(repo, b.getKey(), b.getValue());
        }

        tools.podman("rmi", "--force", imageId);
        Tools.Result exists = tools.runAllowingFailure(Tools.DEFAULT_TIMEOUT, List.of("podman", "image", "exists", imageId));
        assertNotEquals(0, exists.exitCode, "image should be gone locally after rmi");

        Tools.Result back = tools.podman("pull", "--tls-verify=false", remote);
        assertEquals(imageId, lastLine(back.stdout), "image ID after pulling back");

        Object inspect = Json.arr(Json.parse(tools.podman("image", "inspect", remote).stdout)).get(0);
        assertEquals(pushed, Json.str(inspect, "Digest"), "podman's manifest digest after pull");
        assertEquals(diffIds, Json.arr(Json.at(inspect, "RootFS", "Layers")), "diff IDs after pull");
        assertTrue(Json.arr(Json.at(inspect, "RepoDigests")).contains(registry.hostPort() + "/" + repo + "@" + pushed),
                "RepoDigests " + Json.at(inspect, "RepoDigests"));

        // The files themselves, via podman save to an OCI directory.
        OciLayout saved = new OciLayout(work.resolve("saved"));
        tools.podman("save", "--format", "oci-dir", "-o", saved.dir.toString(), remote);
        Map<String, Object> savedIndex = saved.index();
        String savedManifest = Json.str(savedIndex, "manifests", 0, "digest");
        Map<String, String> found = new LinkedHashMap<>();
        for (String layer : OciLayout.layerDigests(saved.json(savedManifest))) {
            try (var in = Files.newInputStream(saved.blob(layer))) {
                found.putAll(E2E.tarFileDigests(in));
            }
        }
        for (Map.Entry<String, String> f : sourceFiles.entrySet()) {
            assertEquals(f.getValue(), found.get(f.getKey()), "content of " + f.getKey() + " after the round trip");
        }
        tools.podman("rmi", "--force", imageId);
    }

    static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
