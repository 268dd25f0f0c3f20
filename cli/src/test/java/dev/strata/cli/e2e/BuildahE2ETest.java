package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * buildah against the registry: from scratch, copy a random file in, commit, push, then pull back
 * with skopeo and find the file's exact bytes in the layer.
 */
@ExtendWith(ServerLogOnFailure.class)
class BuildahE2ETest {
    static StrataProcess registry;
    static RegistryClient client;
    static Tools tools;
    static Path work;

    @BeforeAll
    static void setUp() {
        Tools.require("buildah", "skopeo");
        tools = Tools.get();
        registry = StrataProcess.shared();
        client = new RegistryClient(registry);
        work = E2E.freshDir("buildah");
    }

    @AfterAll
    static void cleanStorage() {
        if (tools != null) {
            tools.resetContainerStorage();
        }
    }

    @Test
    void commitPushAndPullBackWithSkopeo() throws Exception {
        String token = E2E.token();
        Path payload = E2E.randomFile(work.resolve("rnd.bin"), 7L * 1024 * 1024 + 11);
        String payloadDigest = E2E.digest(payload);
        String repo = "e2e/buildah-" + token;
        String local = "localhost/e2e-buildah-" + token + ":b1";

        String ctr = PodmanE2ETest.lastLine(tools.buildah("from", "--name", "e2e-" + token, "scratch").stdout);
        tools.buildah("copy", ctr, payload.toString(), "/payload/rnd.bin");
        tools.buildah("config", "--os", "linux", "--arch", "amd64", "--label", "e2e=" + token, ctr);
        String imageId = PodmanE2ETest.lastLine(tools.buildah("commit", "--format", "oci", ctr, local).stdout);
        tools.buildah("rm", ctr);

        Path digestFile = work.resolve("push.digest");
        tools.buildah("push", "--tls-verify=false", "--digestfile", digestFile.toString(), local,
                "docker://" + registry.hostPort() + "/" + repo + ":b1");
        String pushed = Files.readString(digestFile).trim();
        byte[] served = client.manifestBytes(repo, "b1", pushed);

        OciLayout back = new OciLayout(work.resolve("back"));
        tools.skopeo("copy", "--src-tls-verify=false", "docker://" + registry.hostPort() + "/" + repo + ":b1", back.ref("b1"));
        assertEquals(pushed, back.digestOf("b1"), "manifest digest pulled back");
        assertArrayEquals(served, back.blobBytes(pushed));
        Map<String, Object> manifest = back.manifest("b1");
        back.assertBlobsIntact(OciLayout.blobsOf(manifest));
        String configDigest = Json.str(manifest, "config", "digest");
        assertEquals(imageId, E2E.hex(configDigest), "buildah image ID = config digest");
        Map<String, Object> config = back.json(configDigest);
        assertEquals("amd64", Json.str(config, "architecture"));
        assertEquals(token, Json.str(config, "config", "Labels", "e2e"));

        Map<String, String> found = new LinkedHashMap<>();
        for (String layer : OciLayout.layerDigests(manifest)) {
            try (var in = Files.newInputStream(back.blob(layer))) {
                found.putAll(E2E.tarFileDigests(in));
            }
        }
        assertEquals(payloadDigest, found.get("payload/rnd.bin"), "payload bytes in the pulled layer; layer files: " + found.keySet());
        tools.buildah("rmi", local);
    }
}
