package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An OCI image index over linux/amd64 and linux/arm64 images: skopeo copy --all to the registry,
 * GET the index by tag and each child by digest, copy back with --all and compare.
 */
@ExtendWith(ServerLogOnFailure.class)
class MultiArchE2ETest {
    static final List<String> ARCHES = List.of("amd64", "arm64");
    static StrataProcess registry;
    static RegistryClient client;
    static Tools tools;
    static Path work;
    static OciLayout layout;
    static String repo;
    static String indexDigest;
    static byte[] indexBytes;
    static final Map<String, String> childByArch = new LinkedHashMap<>();

    @BeforeAll
    static void pushIndex() {
        Tools.require("skopeo", "umoci");
        tools = Tools.get();
        registry = StrataProcess.shared();
        client = new RegistryClient(registry);
        work = E2E.freshDir("multiarch");
        layout = OciLayout.init(tools, work.resolve("layout"));
        List<Object> children = new ArrayList<>();
        for (String arch : ARCHES) {
            layout.newImage(tools, arch, "linux", arch);
            layout.addLayer(tools, arch, Map.of("data/" + arch + ".bin", 2L * 1024 * 1024 + arch.length()));
            layout.addLayer(tools, arch, Map.of("etc/arch", (arch + "\n").getBytes(StandardCharsets.UTF_8)));
        }
        layout.gc(tools);
        for (String arch : ARCHES) {
            Map<String, Object> d = layout.descriptor(arch);
            childByArch.put(arch, Json.str(d, "digest"));
            Map<String, Object> child = new LinkedHashMap<>();
            child.put("mediaType", RegistryClient.OCI_MANIFEST);
            child.put("digest", Json.str(d, "digest"));
            child.put("size", Json.num(d, "size"));
            child.put("platform", new LinkedHashMap<>(Map.of("architecture", arch, "os", "linux")));
            children.add(child);
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", RegistryClient.OCI_INDEX);
        index.put("manifests", children);
        index.put("annotations", Map.of("dev.strata.e2e", "multi-arch"));
        indexBytes = Json.write(index).getBytes(StandardCharsets.UTF_8);
        indexDigest = layout.writeBlob(indexBytes);
        layout.putRef("multi", RegistryClient.OCI_INDEX, indexDigest, indexBytes.length);

        repo = "e2e/multiarch-" + E2E.token();
        tools.skopeo("copy", "--all", "--dest-tls-verify=false", layout.ref("multi"),
                "docker://" + registry.hostPort() + "/" + repo + ":multi");
    }

    @Test
    void indexByTagAndChildrenByDigest() throws Exception {
        var r = client.get("/v2/" + repo + "/manifests/multi", "Accept", RegistryClient.OCI_INDEX + ", " + RegistryClient.OCI_MANIFEST);
        assertEquals(200, r.statusCode(), () -> new String(r.body()));
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith(RegistryClient.OCI_INDEX),
                "Content-Type of the index: " + r.headers().firstValue("Content-Type"));
        assertArrayEquals(indexBytes, r.body(), "index bytes by tag");
        client.manifestBytes(repo, indexDigest, indexDigest);

        var head = client.head("/v2/" + repo + "/manifests/multi", "Accept", RegistryClient.OCI_INDEX);
        assertEquals(200, head.statusCode(), "HEAD of the index by tag");
        head.headers().firstValue("Content-Length").ifPresent(len ->
                assertEquals(String.valueOf(indexBytes.length), len, "Content-Length of HEAD"));

        for (Map.Entry<String, String> e : childByArch.entrySet()) {
            var c = client.get("/v2/" + repo + "/manifests/" + e.getValue(), "Accept", RegistryClient.OCI_MANIFEST);
            assertEquals(200, c.statusCode(), "child " + e.getKey());
            assertTrue(c.headers().firstValue("Content-Type").orElse("").startsWith(RegistryClient.OCI_MANIFEST),
                    "Content-Type of child " + e.getKey() + ": " + c.headers().firstValue("Content-Type"));
            assertArrayEquals(layout.blobBytes(e.getValue()), c.body(), "bytes of child " + e.getKey());
            Map<String, Object> m = Json.obj(Json.parse(c.body()));
            for (Map.Entry<String, Long> b : OciLayout.blobsOf(m).entrySet()) {
                client.assertBlob(repo, b.getKey(), b.getValue());
            }
            String configDigest = Json.str(m, "config", "digest");
            Object config = Json.parse(client.get("/v2/" + repo + "/blobs/" + configDigest).body());
            assertEquals(e.getKey(), Json.str(config, "architecture"), "architecture in the config of child " + e.getKey());
        }
    }

    @Test
    void copyBackWithAllIsIdentical() throws Exception {
        OciLayout back = new OciLayout(work.resolve("back-all"));
        tools.skopeo("copy", "--all", "--src-tls-verify=false",
                "docker://" + registry.hostPort() + "/" + repo + ":multi", back.ref("multi"));
        assertEquals(indexDigest, back.digestOf("multi"), "index digest after copy back");
        assertArrayEquals(indexBytes, back.blobBytes(indexDigest));
        for (Map.Entry<String, String> e : childByArch.entrySet()) {
            assertArrayEquals(layout.blobBytes(e.getValue()), back.blobBytes(e.getValue()), "child " + e.getKey());
            Map<String, Long> blobs = OciLayout.blobsOf(layout.json(e.getValue()));
            back.assertBlobsIntact(blobs);
            for (String d : blobs.keySet()) {
                assertArrayEquals(layout.blobBytes(d), back.blobBytes(d), "blob " + d);
            }
        }
    }

    @Test
    void pullingOnePlatformGetsThatChild() {
        OciLayout arm = new OciLayout(work.resolve("back-arm64"));
        tools.skopeo("copy", "--override-os", "linux", "--override-arch", "arm64", "--src-tls-verify=false",
                "docker://" + registry.hostPort() + "/" + repo + ":multi", arm.ref("a"));
        assertEquals(childByArch.get("arm64"), arm.digestOf("a"), "manifest chosen for linux/arm64");
    }
}
