package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * What the Testcontainers tests share: the image under test (or a skip), OCI layouts to push,
 * skopeo round trips with byte-for-byte checks, /metrics samples and container addresses.
 */
final class Containers {
    static final String IMAGE_PROPERTY = "strata.container.image";

    private Containers() {}

    /** The loaded image named by {@value #IMAGE_PROPERTY}, or the test skips (bin/test sets it and DOCKER_HOST). */
    static DockerImageName imageOrSkip() {
        String name = System.getProperty(IMAGE_PROPERTY, "");
        Assumptions.assumeTrue(!name.isBlank(), "set -D" + IMAGE_PROPERTY + "=NAME:TAG (and DOCKER_HOST) to run the container tests;"
                + " bin/test does: deploy/image/podman-service.sh, deploy/image/build.sh, podman load");
        Tools.require("skopeo", "umoci");
        return DockerImageName.parse(name);
    }

    /** An image (one manifest, tag t) in an OCI layout under {@code work/name}, one random layer per size. */
    static OciLayout buildImage(Tools tools, Path work, String name, long... layerSizes) {
        OciLayout layout = OciLayout.init(tools, work.resolve(name)).newImage(tools, "t", "linux", "amd64");
        for (int k = 0; k < layerSizes.length; k++) {
            layout.addLayer(tools, "t", Map.of("data/" + name + "-" + k + ".bin", layerSizes[k]));
        }
        return layout.gc(tools);
    }

    /** Pulls {@code repo:tag} back with skopeo and checks the manifest digest and every blob's size and content. */
    static void assertPullsBack(Tools tools, Path work, String hostPort, String repo, String tag, OciLayout layout, String name) {
        OciLayout back = new OciLayout(work.resolve(name));
        tools.skopeo("copy", "--src-tls-verify=false", "docker://" + hostPort + "/" + repo + ":" + tag, back.ref("t"));
        assertEquals(layout.digestOf("t"), back.digestOf("t"), "manifest digest after the round trip");
        for (Map.Entry<String, Long> b : OciLayout.blobsOf(layout.manifest("t")).entrySet()) {
            assertEquals(b.getValue(), back.blob(b.getKey()).toFile().length(), "size of " + b.getKey());
            assertEquals(b.getKey(), sha256(back.blob(b.getKey())), "content of " + b.getKey());
        }
    }

    static String sha256(Path p) {
        try {
            return E2E.digest(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value of one series (name with labels, exactly as exposed) in a Prometheus text scrape; 0 when absent. */
    static double sample(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1));
        }
        return 0;
    }

    /** GET /metrics (200 expected) as text. */
    static String scrape(RegistryClient c) {
        HttpResponse<byte[]> r = c.get("/metrics");
        assertEquals(200, r.statusCode(), "GET /metrics");
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    /** The container's address on its (only) container network; podman's CNI networks here have no DNS, so peers use it. */
    static String ip(GenericContainer<?> c) {
        return c.getContainerInfo().getNetworkSettings().getNetworks().values().iterator().next().getIpAddress();
    }

    /** 127.0.0.1:the host port mapped to {@code port} of {@code c}. */
    static String hostPort(GenericContainer<?> c, int port) {
        return "127.0.0.1:" + c.getMappedPort(port);
    }
}
