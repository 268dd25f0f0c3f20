package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The container image (deploy/image/build.sh) run by Testcontainers on podman's Docker-compatible
 * socket: {@code strata serve} as a container (its default command), skopeo pushing and pulling
 * through the mapped port, /metrics counting the traffic, JSON logs with request ids; then a
 * container stopped in the middle of a push, a new container on the same data, the push redone
 * and everything intact. The scaled-out topology as containers is {@link ScaledOutContainerTest}.
 *
 * <p>Runs when {@value Containers#IMAGE_PROPERTY} names a loaded image and DOCKER_HOST reaches an engine;
 * bin/test sets both up (deploy/image/podman-service.sh, build.sh, podman load).
 */
class ContainerE2ETest {
    static final int PORT = 5000;
    static Tools tools;
    static Path work;
    static DockerImageName image;

    @BeforeAll
    static void setUp() {
        image = Containers.imageOrSkip();
        tools = Tools.get();
        work = E2E.freshDir("container");
    }

    private static GenericContainer<?> serve(Path data) {
        GenericContainer<?> c = new GenericContainer<>(image)
                .withExposedPorts(PORT)
                .withEnv("JAVA_OPTS", "-Xmx512m")
                .waitingFor(Wait.forHttp("/readyz").forPort(PORT).forStatusCode(200).withStartupTimeout(Duration.ofMinutes(4)));
        if (data != null) c.withFileSystemBind(data.toString(), "/data", BindMode.READ_WRITE);
        c.start();
        return c;
    }

    private static String hostPort(GenericContainer<?> c) {
        return Containers.hostPort(c, PORT);
    }

    private static OciLayout buildImage(String name, long... layerSizes) {
        return Containers.buildImage(tools, work, name, layerSizes);
    }

    private static void assertPullsBack(String hostPort, String repo, String tag, OciLayout layout, String name) {
        Containers.assertPullsBack(tools, work, hostPort, repo, tag, layout, name);
    }

    @Test
    void serveInAContainerPushAndPullWithSkopeo() throws Exception {
        try (GenericContainer<?> c = serve(null)) {
            RegistryClient client = new RegistryClient("http://" + hostPort(c));
            String before = Containers.scrape(client);
            OciLayout layout = buildImage("ctr-basic", 3L * 1024 * 1024 + 7, 4096);
            String repo = "ctr/basic-" + E2E.token();
            tools.skopeo("copy", "--dest-tls-verify=false", layout.ref("t"), "docker://" + hostPort(c) + "/" + repo + ":v1");
            assertPullsBack(hostPort(c), repo, "v1", layout, "ctr-basic-back");

            String after = Containers.scrape(client);
            String put = "strata_http_requests_total{server=\"gateway\",route=\"blob_uploads\",method=\"PUT\",status=\"201\"}";
            assertTrue(Containers.sample(after, put) >= Containers.sample(before, put) + 3, "3 blobs (2 layers and the config) committed:\n" + after);
            String in = "strata_http_received_bytes_total{server=\"gateway\",route=\"blob_uploads\"}";
            assertTrue(Containers.sample(after, in) - Containers.sample(before, in) >= 3L * 1024 * 1024, after);
            String manifests = "strata_http_requests_total{server=\"gateway\",route=\"manifests\",method=\"PUT\",status=\"201\"}";
            assertTrue(Containers.sample(after, manifests) >= 1, after);
            // the image logs JSON lines; access lines carry the request id the client sent
            client.get("/v2/", "X-Request-Id", "container-test-1");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!c.getLogs().contains("\"requestId\":\"container-test-1\"") && System.nanoTime() < deadline) Thread.sleep(100);
            String logs = c.getLogs();
            assertTrue(logs.contains("\"requestId\":\"container-test-1\""), logs.length() > 4000 ? logs.substring(logs.length() - 4000) : logs);
            assertTrue(logs.contains("{\"time\":\""), "JSON log lines");
        }
    }

    @Test
    void containerStoppedMidPushThenRestartedAndThePushRedone() throws Exception {
        Path data = work.resolve("ctr-data");
        Files.createDirectories(data);
        // the image runs as user 65532: let it write the bind-mounted directory
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
        OciLayout layout = buildImage("ctr-midpush", 256 * 1024, 120L * 1024 * 1024 + 3);
        Map<String, Long> blobs = OciLayout.blobsOf(layout.manifest("t"));
        String repo = "ctr/midpush-" + E2E.token();
        Set<String> acked = new LinkedHashSet<>();
        boolean manifestAcked;
        try (GenericContainer<?> first = serve(data)) {
            RegistryClient client = new RegistryClient("http://" + hostPort(first));
            List<String> cmd = List.of("skopeo", "copy", "--dest-tls-verify=false", layout.ref("t"),
                    "docker://" + hostPort(first) + "/" + repo + ":mid");
            Tools.Background push = tools.start(cmd);
            // stop once some upload bytes went in, while the big layer is still streaming
            String in = "strata_http_received_bytes_total{server=\"gateway\",route=\"blob_uploads\"}";
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (Containers.sample(Containers.scrape(client), in) < 8L * 1024 * 1024 && push.process.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            for (String d : blobs.keySet()) if (client.headBlob(repo, d) == 200) acked.add(d);
            // a graceful stop (SIGTERM, then SIGKILL after 20 s), as Kubernetes does
            first.getDockerClient().stopContainerCmd(first.getContainerId()).withTimeout(20).exec();
            Tools.Result interrupted = push.await(Duration.ofSeconds(120));
            manifestAcked = interrupted.exitCode == 0;
            System.out.println("[ContainerE2ETest] stopped mid-push with acknowledged blobs " + acked + ", skopeo exit "
                    + interrupted.exitCode);
        }
        try (GenericContainer<?> second = serve(data)) {
            RegistryClient client = new RegistryClient("http://" + hostPort(second));
            for (String d : acked) client.assertBlob(repo, d, blobs.get(d));
            if (manifestAcked) client.manifestBytes(repo, "mid", layout.digestOf("t"));
            List<String> redo = new ArrayList<>(List.of("skopeo", "copy", "--dest-tls-verify=false", layout.ref("t"),
                    "docker://" + hostPort(second) + "/" + repo + ":mid"));
            tools.run(Tools.DEFAULT_TIMEOUT, redo);
            for (Map.Entry<String, Long> b : blobs.entrySet()) client.assertBlob(repo, b.getKey(), b.getValue());
            assertPullsBack(hostPort(second), repo, "mid", layout, "ctr-midpush-back");
        }
    }
}
