package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * skopeo against the registry: push an umoci-built image (one layer of > 100 MiB fresh random
 * bytes plus small ones), pull it back and compare digests and bytes; inspect; list-tags; delete.
 */
@ExtendWith(ServerLogOnFailure.class)
class SkopeoE2ETest {
    static final long BIG = 100L * 1024 * 1024 + 4321;

    static StrataProcess registry;
    static RegistryClient client;
    static Tools tools;
    static Path work;
    static OciLayout layout;
    static String repo;
    static String manifestDigest;
    static Map<String, Object> manifest;
    static Map<String, String> sourceFiles = new LinkedHashMap<>();

    @BeforeAll
    static void pushImage() throws Exception {
        Tools.require("skopeo", "umoci");
        tools = Tools.get();
        registry = StrataProcess.shared();
        client = new RegistryClient(registry);
        work = E2E.freshDir("skopeo");

        layout = OciLayout.init(tools, work.resolve("layout")).newImage(tools, "v1", "linux", "amd64");
        long[] sizes = {BIG, 1, 64 * 1024, 3 * 1024 * 1024 + 17};
        for (int k = 0; k < sizes.length; k++) {
            sourceFiles.putAll(layout.addLayer(tools, "v1", Map.of("data/file" + k + ".bin", sizes[k])));
        }
        layout.gc(tools);
        manifestDigest = layout.digestOf("v1");
        manifest = layout.manifest("v1");
        assertEquals(sizes.length, OciLayout.layers(manifest).size(), "umoci should have made one layer per file");

        repo = "e2e/skopeo-" + E2E.token();
        Path digestFile = work.resolve("pushed.digest");
        tools.skopeo("copy", "--dest-tls-verify=false", "--digestfile", digestFile.toString(),
                layout.ref("v1"), "docker://" + registry.hostPort() + "/" + repo + ":v1");
        assertEquals(manifestDigest, Files.readString(digestFile).trim(), "digest skopeo reports for the push");
    }

    @Test
    void registryServesTheExactManifestAndBlobs() throws Exception {
        byte[] served = client.manifestBytes(repo, "v1", manifestDigest);
        assertArrayEquals(layout.blobBytes(manifestDigest), served, "manifest bytes by tag");
        assertArrayEquals(served, client.manifestBytes(repo, manifestDigest, manifestDigest), "manifest bytes by digest");
        for (Map.Entry<String, Long> b : OciLayout.blobsOf(manifest).entrySet()) {
            assertEquals(200, client.headBlob(repo, b.getKey()), "HEAD blob " + b.getKey());
            client.assertBlob(repo, b.getKey(), b.getValue());
        }
    }

    @Test
    void pullBackGivesIdenticalManifestAndLayerBytes() throws Exception {
        OciLayout back = new OciLayout(work.resolve("pulled"));
        tools.skopeo("copy", "--src-tls-verify=false",
                "docker://" + registry.hostPort() + "/" + repo + ":v1", back.ref("v1"));
        assertEquals(manifestDigest, back.digestOf("v1"), "manifest digest after the round trip");
        assertArrayEquals(layout.blobBytes(manifestDigest), back.blobBytes(manifestDigest));
        Map<String, Long> blobs = OciLayout.blobsOf(manifest);
        back.assertBlobsIntact(blobs);
        for (String d : blobs.keySet()) {
            assertEquals(E2E.digest(layout.blob(d)), E2E.digest(back.blob(d)), "bytes of blob " + d);
        }
        // And the files inside the layers are the random files we put there.
        Map<String, String> found = new LinkedHashMap<>();
        for (String layer : OciLayout.layerDigests(manifest)) {
            try (var in = Files.newInputStream(back.blob(layer))) {
                found.putAll(E2E.tarFileDigests(in));
            }
        }
        for (Map.Entry<String, String> f : sourceFiles.entrySet()) {
            assertEquals(f.getValue(), found.get(f.getKey()), "content of " + f.getKey() + " in the pulled layers");
        }
    }

    @Test
    void inspectReportsDigestLayersAndPlatform() {
        String ref = "docker://" + registry.hostPort() + "/" + repo + ":v1";
        Object info = Json.parse(tools.skopeo("inspect", "--tls-verify=false", ref).stdout);
        assertEquals(manifestDigest, Json.str(info, "Digest"));
        assertEquals(OciLayout.layerDigests(manifest), Json.arr(Json.at(info, "Layers")));
        assertEquals("amd64", Json.str(info, "Architecture"));
        assertEquals("linux", Json.str(info, "Os"));

        String raw = tools.skopeo("inspect", "--raw", "--tls-verify=false", ref).stdout;
        assertEquals(manifestDigest, E2E.digest(raw.getBytes(StandardCharsets.UTF_8)), "skopeo inspect --raw bytes");

        String config = tools.skopeo("inspect", "--config", "--raw", "--tls-verify=false", ref).stdout;
        String configDigest = Json.str(manifest, "config", "digest");
        assertEquals(configDigest, E2E.digest(config.getBytes(StandardCharsets.UTF_8)), "skopeo inspect --config --raw bytes");
        assertEquals(OciLayout.layers(manifest).size(), Json.arr(Json.at(Json.parse(config), "rootfs", "diff_ids")).size());
    }

    @Test
    void listTagsAfterPushingSeveralTags() {
        String base = "docker://" + registry.hostPort() + "/" + repo;
        // v2: registry-to-registry copy (blobs already there); v3: a second push from the layout.
        tools.skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false", base + ":v1", base + ":v2");
        tools.skopeo("copy", "--dest-tls-verify=false", layout.ref("v1"), base + ":v3");
        Object tags = Json.parse(tools.skopeo("list-tags", "--tls-verify=false", base).stdout);
        List<String> listed = new ArrayList<>();
        for (Object t : Json.arr(Json.at(tags, "Tags"))) {
            listed.add((String) t);
        }
        assertEquals(new TreeSet<>(List.of("v1", "v2", "v3")), new TreeSet<>(listed), "tags listed by skopeo");
        assertEquals(listed.size(), new TreeSet<>(listed).size(), "no duplicate tags: " + listed);
        for (String t : List.of("v2", "v3")) {
            client.manifestBytes(repo, t, manifestDigest);
        }
        var r = client.get("/v2/" + repo + "/tags/list");
        assertEquals(200, r.statusCode());
        Object direct = Json.parse(r.body());
        assertEquals(repo, Json.str(direct, "name"));
        assertEquals(new TreeSet<>(List.of("v1", "v2", "v3")), new TreeSet<>(Json.arr(Json.at(direct, "tags"))));
    }

    @Test
    void deleteRemovesTheManifest() {
        String doomedRepo = repo + "-del";
        String ref = "docker://" + registry.hostPort() + "/" + doomedRepo + ":doomed";
        tools.skopeo("copy", "--dest-tls-verify=false", layout.ref("v1"), ref);
        client.manifestBytes(doomedRepo, "doomed", manifestDigest);

        tools.skopeo("delete", "--tls-verify=false", ref);

        Tools.Result inspect = tools.runAllowingFailure(Tools.DEFAULT_TIMEOUT,
                List.of("skopeo", "inspect", "--tls-verify=false", ref));
        assertNotEquals(0, inspect.exitCode, "skopeo inspect after delete should fail: " + inspect.describe());
        assertEquals(404, client.getManifest(doomedRepo, manifestDigest).statusCode(), "GET manifest by digest after delete");
        assertEquals(404, client.getManifest(doomedRepo, "doomed").statusCode(), "GET manifest by tag after delete");
        assertTrue(client.head("/v2/" + doomedRepo + "/manifests/" + manifestDigest).statusCode() == 404,
                "HEAD manifest by digest after delete");
        // The same manifest in another repository is untouched.
        client.manifestBytes(repo, "v1", manifestDigest);
    }
}
