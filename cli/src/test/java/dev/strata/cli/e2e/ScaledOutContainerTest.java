package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The scaled-out topology of deploy/kubernetes/overlays/scaled-out as containers of the one image
 * (deploy/image/build.sh) on one container network, run by Testcontainers on podman's
 * Docker-compatible socket: {@code strata kafka}, three RocksDB storage nodes (two copies of every
 * chunk), two upload-services, a manifest-service, a gc-service and a gateway, each started with
 * {@code --config} a YAML file copied into its container, small heaps and the serial collector.
 * skopeo pushes a multi-layer image through the gateway's mapped port and pulls it back
 * byte-identical; the services' /metrics count the traffic; then an upload-service is stopped in the
 * middle of a push and the push completes on the other one (or, redone, completes), with everything
 * acknowledged before still there and the earlier image still pulling identical, and the stopped
 * container, started again, turns ready; then a storage node is stopped in the middle of a push and
 * placement moves its chunks to the two nodes left.
 *
 * <p>Runs when {@value Containers#IMAGE_PROPERTY} names a loaded image and DOCKER_HOST reaches an
 * engine, as {@link ContainerE2ETest}; bin/test sets both up. Prints each container's
 * start-to-ready time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaledOutContainerTest {
    static final int GATEWAY = 5000;
    static final int GATEWAY_ADMIN = 5001;
    static final int STORAGE = 7000;
    static final int UPLOAD = 7100;
    static final int MANIFEST = 7200;
    static final int GC = 7300;
    static final int KAFKA = 9092;
    /** Small heaps and the serial collector: eight JVMs share two cores here. */
    static final String JVM = "-Xmx160m -Xss512k -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError";
    static final Duration READY = Duration.ofMinutes(3);

    static Tools tools;
    static Path work;
    static DockerImageName image;
    static Network network;
    static final Map<String, GenericContainer<?>> containers = new LinkedHashMap<>();
    static final Map<String, Long> readyMillis = new LinkedHashMap<>();
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void startTopology() throws Exception {
        image = Containers.imageOrSkip();
        tools = Tools.get();
        work = E2E.freshDir("scaled-out-containers");
        long begin = System.nanoTime();
        network = Network.newNetwork();
        try {
            // the containers are created in dependency order, because each config names its peers by
            // IP (no DNS on these networks), and then all become ready in parallel: the services wait
            // for Kafka and the storage nodes themselves
            GenericContainer<?> kafka = start("kafka", List.of("kafka", "--data", "/data/kafka", "--port", Integer.toString(KAFKA),
                    "--listen", "0.0.0.0"), null, KAFKA, "-Xmx256m -Xss512k -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError");
            StringBuilder nodes = new StringBuilder();
            for (int i = 1; i <= 3; i++) {
                GenericContainer<?> n = start("storage-" + i, List.of("storage-node", "--config", "/etc/strata/config.yaml"),
                        "listen: 0.0.0.0:" + STORAGE + "\nstorage: rocksdb\ndata: /data\nnodeId: s" + i + "\n", STORAGE, JVM);
                nodes.append(i == 1 ? "" : ", ").append("s").append(i).append(": \"http://").append(Containers.ip(n)).append(':')
                        .append(STORAGE).append('"');
            }
            String shared = "kafka:\n  bootstrapServers: " + Containers.ip(kafka) + ":" + KAFKA + "\n  partitions: 4\n"
                    + "storage:\n  nodes: {" + nodes + "}\n  replicas: 2\n  writeQuorum: 2\n"
                    + "requestTimeout: 20s\nstartupTimeout: 3m\nthreads: 16\n";
            List<String> uploads = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                GenericContainer<?> u = start("upload-service-" + i, List.of("upload-service", "--config", "/etc/strata/config.yaml"),
                        "listen: 0.0.0.0:" + UPLOAD + "\ndata: /data/projection\n" + shared, UPLOAD, JVM);
                uploads.add("http://" + Containers.ip(u) + ":" + UPLOAD);
            }
            GenericContainer<?> gc = start("gc-service", List.of("gc-service", "--config", "/etc/strata/config.yaml"),
                    "listen: 0.0.0.0:" + GC + "\ndata: /data/projection\n" + shared + "uploadServices: " + uploads + "\n", GC, JVM);
            String gcs = "[http://" + Containers.ip(gc) + ":" + GC + "]";
            GenericContainer<?> manifest = start("manifest-service", List.of("manifest-service", "--config", "/etc/strata/config.yaml"),
                    "listen: 0.0.0.0:" + MANIFEST + "\ndata: /data/projection\n" + shared + "uploadServices: " + uploads
                            + "\ngcServices: " + gcs + "\n", MANIFEST, JVM);
            start("gateway", List.of("gateway", "--config", "/etc/strata/config.yaml"),
                    "listen: 0.0.0.0:" + GATEWAY + "\nadminListen: 0.0.0.0:" + GATEWAY_ADMIN + "\n"
                            + "storage:\n  nodes: {" + nodes + "}\n  replicas: 2\n  writeQuorum: 2\n"
                            + "uploadServices: " + uploads + "\nmanifestServices: [http://" + Containers.ip(manifest) + ":" + MANIFEST + "]\n"
                            + "gcServices: " + gcs + "\neventLoops: 2\nrequestTimeout: 20s\n",
                    GATEWAY_ADMIN, "-Xmx256m -Xss512k -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError");
            awaitAllReady();
        } catch (Exception | Error e) {
            dumpLogs();
            stopAll();
            throw e;
        }
        System.out.println("[ScaledOutContainerTest] topology ready in " + (System.nanoTime() - begin) / 1_000_000
                + " ms; start-to-ready per container (ms): " + readyMillis);
    }

    /** Creates and starts one container (without waiting for it to be ready); its config goes to /etc/strata/config.yaml. */
    private static GenericContainer<?> start(String name, List<String> command, String config, int probePort, String javaOpts)
            throws Exception {
        GenericContainer<?> c = new GenericContainer<>(image)
                .withNetwork(network)
                .withExposedPorts(probePort == GATEWAY_ADMIN ? new Integer[] {GATEWAY, GATEWAY_ADMIN} : new Integer[] {probePort})
                .withEnv("JAVA_OPTS", javaOpts)
                .withCommand(command.toArray(new String[0]))
                .waitingFor(new AbstractWaitStrategy() {
                    @Override
                    protected void waitUntilReady() {
                        // readiness is awaited on /readyz (or the ready line) by awaitAllReady, for all at once
                    }
                });
        if (config != null) {
            Path file = work.resolve(name + ".yaml");
            Files.writeString(file, config);
            c.withCopyFileToContainer(MountableFile.forHostPath(file, 0644), "/etc/strata/config.yaml");
        }
        containers.put(name, c);
        readyMillis.put(name, System.nanoTime()); // start time, replaced by the start-to-ready time
        c.start();
        return c;
    }

    /** Polls every container until ready: /readyz 200 (the gateway's on its admin port), Kafka's ready line. */
    private static void awaitAllReady() throws InterruptedException {
        Set<String> waiting = new LinkedHashSet<>(containers.keySet());
        long deadline = System.nanoTime() + READY.toNanos();
        while (!waiting.isEmpty()) {
            for (var it = waiting.iterator(); it.hasNext(); ) {
                String name = it.next();
                GenericContainer<?> c = containers.get(name);
                if (!c.isRunning()) fail(name + " exited before it was ready:\n" + tail(c.getLogs(), 6000));
                if (ready(name, c)) {
                    readyMillis.put(name, (System.nanoTime() - readyMillis.get(name)) / 1_000_000);
                    it.remove();
                }
            }
            if (System.nanoTime() > deadline) fail("not ready within " + READY + ": " + waiting);
            if (!waiting.isEmpty()) Thread.sleep(200);
        }
    }

    private static boolean ready(String name, GenericContainer<?> c) {
        if (name.equals("kafka")) return c.getLogs().contains("strata kafka ready");
        int port = name.equals("gateway") ? GATEWAY_ADMIN : c.getExposedPorts().get(0);
        return status(c, port, "/readyz") == 200;
    }

    /** The status of GET path on the container's mapped port, or -1 when it does not answer. */
    static int status(GenericContainer<?> c, int port, String path) {
        return status(URI.create("http://" + Containers.hostPort(c, port) + path));
    }

    static int status(URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String tail(String s, int n) {
        return s.length() <= n ? s : "..." + s.substring(s.length() - n);
    }

    private static void dumpLogs() {
        containers.forEach((name, c) -> {
            try {
                System.out.println("[ScaledOutContainerTest] --- " + name + " logs ---\n" + tail(c.getLogs(), 4000));
            } catch (RuntimeException e) {
                System.out.println("[ScaledOutContainerTest] no logs of " + name + ": " + e);
            }
        });
    }

    private static void stopAll() {
        List<GenericContainer<?>> all = new ArrayList<>(containers.values());
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                all.get(i).stop();
            } catch (RuntimeException e) {
                System.out.println("[ScaledOutContainerTest] stopping a container: " + e);
            }
        }
        containers.clear();
        if (network != null) {
            try {
                network.close();
            } catch (RuntimeException e) {
                System.out.println("[ScaledOutContainerTest] removing the network: " + e);
            }
        }
    }

    @AfterAll
    static void stopTopology() {
        stopAll();
    }

    private static String registry() {
        return Containers.hostPort(containers.get("gateway"), GATEWAY);
    }

    private static RegistryClient gatewayClient() {
        return new RegistryClient("http://" + registry());
    }

    /** Runs {@code body}; on failure prints the containers' logs first. */
    private static void withLogsOnFailure(ThrowingRunnable body) throws Exception {
        try {
            body.run();
        } catch (Exception | Error e) {
            dumpLogs();
            throw e;
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    @Order(1)
    void skopeoPushesAndPullsAMultiLayerImageThroughTheGatewayContainer() throws Exception {
        withLogsOnFailure(() -> {
            OciLayout layout = Containers.buildImage(tools, work, "so-basic", 64 * 1024 + 5, 3L * 1024 * 1024 + 7, 9L * 1024 * 1024 + 1);
            String repo = "scaled/basic-" + E2E.token();
            tools.skopeo("copy", "--dest-tls-verify=false", layout.ref("t"), "docker://" + registry() + "/" + repo + ":v1");
            Containers.assertPullsBack(tools, work, registry(), repo, "v1", layout, "so-basic-back");
            // every storage node holds chunks of it: two copies of each chunk over three nodes
            int nodesWithChunks = 0;
            for (int i = 1; i <= 3; i++) {
                String m = Containers.scrape(new RegistryClient("http://" + Containers.hostPort(containers.get("storage-" + i), STORAGE)));
                if (Containers.sample(m, "strata_http_requests_total{server=\"storage-node\",route=\"chunk\",method=\"PUT\",status=\"201\"}") > 0) {
                    nodesWithChunks++;
                }
            }
            assertTrue(nodesWithChunks >= 2, "chunks on at least two storage nodes, found " + nodesWithChunks);
        });
    }

    private static String scrape(String container, int port) {
        return Containers.scrape(new RegistryClient("http://" + Containers.hostPort(containers.get(container), port)));
    }

    /** Chunk bytes the storage nodes have stored (both copies), from their /metrics. */
    private static double storedChunkBytes() {
        double sum = 0;
        for (int i = 1; i <= 3; i++) {
            sum += Containers.sample(scrape("storage-" + i, STORAGE), "strata_http_received_bytes_total{server=\"storage-node\",route=\"chunk\"}");
        }
        return sum;
    }

    /** A series summed over the upload-service instances (the gateway spreads calls over both). */
    private static double uploadServices(String series) {
        return Containers.sample(scrape("upload-service-1", UPLOAD), series) + Containers.sample(scrape("upload-service-2", UPLOAD), series);
    }

    @Test
    @Order(2)
    void everyServiceContainerExportsMetricsThatFollowAPush() throws Exception {
        withLogsOnFailure(() -> {
            String started = "strata_http_requests_total{server=\"upload-service\",route=\"uploads.start\",method=\"POST\",status=\"200\"}";
            String completed = "strata_upload_sessions_total{event=\"completed\"}";
            String put = "strata_http_requests_total{server=\"manifest-service\",route=\"manifests.putManifest\",method=\"POST\",status=\"200\"}";
            double startedBefore = uploadServices(started);
            double completedBefore = uploadServices(completed);
            double putBefore = Containers.sample(scrape("manifest-service", MANIFEST), put);
            double blobsBefore = Containers.sample(scrape("gc-service", GC), "strata_storage_blobs");

            OciLayout layout = Containers.buildImage(tools, work, "so-metrics", 48 * 1024, 1024 * 1024 + 9);
            tools.skopeo("copy", "--dest-tls-verify=false", layout.ref("t"), "docker://" + registry() + "/scaled/metrics-" + E2E.token() + ":v1");

            // 3 blobs (2 layers, the config): sessions started and completed on the upload-services, one manifest PUT
            assertTrue(uploadServices(started) - startedBefore >= 3, "uploads.start calls");
            assertTrue(uploadServices(completed) - completedBefore >= 3, "upload sessions completed");
            String m = scrape("manifest-service", MANIFEST);
            assertEquals(1, Containers.sample(m, put) - putBefore, m);
            // the gc-service's projection counts the new blobs (it applies the log asynchronously)
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String g = scrape("gc-service", GC);
            while (Containers.sample(g, "strata_storage_blobs") < blobsBefore + 3 && System.nanoTime() < deadline) {
                Thread.sleep(200);
                g = scrape("gc-service", GC);
            }
            assertEquals(blobsBefore + 3, Containers.sample(g, "strata_storage_blobs"), g);
            // consumer lag per projection and partition, and JVM gauges, on each service
            for (String[] s : new String[][] {{"upload-service-1", "7100", "uploads"}, {"manifest-service", "7200", "repositories"},
                    {"gc-service", "7300", "gc"}}) {
                String text = scrape(s[0], Integer.parseInt(s[1]));
                assertTrue(java.util.regex.Pattern.compile("(?m)^strata_projection_lag_records\\{projection=\"" + s[2]
                        + "\",topic=\"strata\\.[a-z]+\",partition=\"3\"} ").matcher(text).find(), s[0] + " lag of each of the 4 partitions:\n" + text);
                assertTrue(Containers.sample(text, "strata_jvm_heap_used_bytes") > 0, text);
            }
        });
    }

    /** What happened around a container stopped in the middle of a push. */
    private record MidPush(boolean runningAtStop, Set<String> acked, boolean firstPushSucceeded) {}

    /**
     * Pushes {@code layout} to {@code repo:tag} with skopeo and stops {@code victim} (SIGTERM, then
     * SIGKILL after 10 s, as Kubernetes stops a pod) once 8 MiB of chunks (two copies of one chunk)
     * have landed on the storage nodes, so while a big layer is still streaming: the gateway streams a
     * layer to the nodes in chunks as it arrives and the nodes count each chunk when stored (the
     * gateway counts a request's bytes only when it ends). {@code atStop} runs just before the stop.
     * A push that fails because of the stop is redone (up to 3 times), as a client or CI job retries;
     * the last attempt must succeed. Blobs acknowledged before the stop must still be there.
     */
    private static MidPush pushStopping(String victim, OciLayout layout, String repo, String tag, Runnable atStop) throws Exception {
        RegistryClient client = gatewayClient();
        Map<String, Long> blobs = OciLayout.blobsOf(layout.manifest("t"));
        List<String> cmd = List.of("skopeo", "copy", "--dest-tls-verify=false", "--retry-times", "3", layout.ref("t"),
                "docker://" + registry() + "/" + repo + ":" + tag);
        double before = storedChunkBytes();
        Tools.Background push = tools.start(cmd);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (storedChunkBytes() < before + 8L * 1024 * 1024 && push.process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        boolean runningAtStop = push.process.isAlive();
        Set<String> acked = new LinkedHashSet<>();
        for (String d : blobs.keySet()) if (client.headBlob(repo, d) == 200) acked.add(d);
        atStop.run();
        GenericContainer<?> c = containers.get(victim);
        c.getDockerClient().stopContainerCmd(c.getContainerId()).withTimeout(10).exec();
        Tools.Result r = push.await(Duration.ofSeconds(240));
        boolean firstPushSucceeded = r.exitCode == 0;
        for (int attempt = 1; r.exitCode != 0 && attempt <= 3; attempt++) {
            System.out.println("[ScaledOutContainerTest] push failed after " + victim + " stopped, redo " + attempt + ": " + r.stderr);
            r = tools.runAllowingFailure(Tools.DEFAULT_TIMEOUT, cmd);
        }
        Tools.Result done = r;
        System.out.println("[ScaledOutContainerTest] " + victim + " stopped mid-push (push running: " + runningAtStop + "); blobs acknowledged before: "
                + acked.size() + "; the interrupted push itself " + (firstPushSucceeded ? "completed" : "failed and was redone"));
        assertEquals(0, done.exitCode, () -> "push after " + victim + " stopped: " + done.describe());
        for (String d : acked) client.assertBlob(repo, d, blobs.get(d));
        return new MidPush(runningAtStop, acked, firstPushSucceeded);
    }

    @Test
    @Order(3)
    void anUploadServiceStoppedMidPushTheOtherFinishesIt() throws Exception {
        withLogsOnFailure(() -> {
            // an image pushed before the stop
            OciLayout earlier = Containers.buildImage(tools, work, "so-earlier", 32 * 1024, 2L * 1024 * 1024 + 3);
            String repo = "scaled/midpush-" + E2E.token();
            tools.skopeo("copy", "--dest-tls-verify=false", earlier.ref("t"), "docker://" + registry() + "/" + repo + ":earlier");

            OciLayout layout = Containers.buildImage(tools, work, "so-midpush", 128 * 1024, 64L * 1024 * 1024 + 11);
            String commit = "strata_http_requests_total{server=\"upload-service\",route=\"uploads.commit\",method=\"POST\",status=\"200\"}";
            double[] commitsOnTheOther = new double[1];
            MidPush p = pushStopping("upload-service-1", layout, repo, "mid",
                    () -> commitsOnTheOther[0] = Containers.sample(scrape("upload-service-2", UPLOAD), commit));
            Containers.assertPullsBack(tools, work, registry(), repo, "mid", layout, "so-midpush-back");
            Containers.assertPullsBack(tools, work, registry(), repo, "earlier", earlier, "so-earlier-back");
            // the stop came while the push ran, and the instance left committed what came after it
            assertTrue(p.runningAtStop(), "the push was still running when upload-service-1 stopped");
            String m = scrape("upload-service-2", UPLOAD);
            assertTrue(Containers.sample(m, commit) > commitsOnTheOther[0], "upload-service-2 committed the layer after the stop:\n" + m);

            // the stopped container started again (same container, same projection directory) turns ready:
            // its projection catches up with the events it missed
            GenericContainer<?> victim = containers.get("upload-service-1");
            String ipBefore = Containers.ip(victim);
            long restarted = System.nanoTime();
            victim.getDockerClient().startContainerCmd(victim.getContainerId()).exec();
            var info = victim.getDockerClient().inspectContainerCmd(victim.getContainerId()).exec().getNetworkSettings();
            var bindings = info.getPorts().getBindings().get(new com.github.dockerjava.api.model.ExposedPort(UPLOAD));
            String readyz = "http://127.0.0.1:" + bindings[0].getHostPortSpec() + "/readyz";
            long until = System.nanoTime() + READY.toNanos();
            int status = -1;
            while (status != 200 && System.nanoTime() < until) {
                Thread.sleep(200);
                status = status(URI.create(readyz));
            }
            assertEquals(200, status, "upload-service-1 ready again after its restart");
            String ipAfter = info.getNetworks().values().iterator().next().getIpAddress();
            System.out.println("[ScaledOutContainerTest] upload-service-1 ready again " + (System.nanoTime() - restarted) / 1_000_000
                    + " ms after its restart (address " + ipBefore + (ipBefore.equals(ipAfter) ? ", kept" : " -> " + ipAfter) + ")");
        });
    }

    @Test
    @Order(4)
    void aStorageNodeStoppedMidPushPlacementMovesToTheOthers() throws Exception {
        withLogsOnFailure(() -> {
            OciLayout layout = Containers.buildImage(tools, work, "so-node", 64 * 1024, 48L * 1024 * 1024 + 5);
            String repo = "scaled/node-" + E2E.token();
            String chunkPuts = "strata_http_requests_total{server=\"storage-node\",route=\"chunk\",method=\"PUT\",status=\"201\"}";
            double[] onTheOthers = new double[1];
            MidPush p = pushStopping("storage-2", layout, repo, "v1", () -> onTheOthers[0] =
                    Containers.sample(scrape("storage-1", STORAGE), chunkPuts) + Containers.sample(scrape("storage-3", STORAGE), chunkPuts));
            Containers.assertPullsBack(tools, work, registry(), repo, "v1", layout, "so-node-back");
            assertTrue(p.runningAtStop(), "the push was still running when storage-2 stopped");
            // with R=2, W=2 and one node gone, every chunk after the stop went to the two nodes left
            double after = Containers.sample(scrape("storage-1", STORAGE), chunkPuts) + Containers.sample(scrape("storage-3", STORAGE), chunkPuts);
            assertTrue(after > onTheOthers[0], "storage-1 and storage-3 took the chunks after the stop");
        });
    }
}
