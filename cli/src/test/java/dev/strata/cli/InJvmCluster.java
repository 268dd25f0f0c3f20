package dev.strata.cli;

import dev.strata.core.rpc.InternalClient;
import dev.strata.core.rpc.RemoteUploadService;
import dev.strata.core.spi.ChunkStore;
import dev.strata.storage.StorageNode;
import dev.strata.storage.StorageNodeConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * The scaled-out topology in this JVM, for tests: an embedded Kafka broker, one RocksDB storage
 * node, and an upload-, manifest- and gc-service and a gateway wired exactly as {@code strata
 * upload-service | manifest-service | gc-service | gateway --config FILE} wire them
 * ({@link ServiceProcess}, the configs loaded from YAML by the real loader), talking over real
 * sockets through their internal HTTP APIs. Public so that the API tests can use it.
 */
public final class InJvmCluster implements AutoCloseable {
    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private int gatewayPort;
    private String uploadUrl;
    private ChunkStore chunks;
    private Path dir;
    private String gatewayYaml;
    private int gateways;

    private InJvmCluster() {}

    /**
     * Starts the cluster under {@code dir}; {@code gcSettings} are extra YAML lines of the
     * gc-service's config (e.g. {@code "grace: 2s\ninterval: 0\n"}).
     */
    public static InJvmCluster start(Path dir, String gcSettings) throws Exception {
        return start(dir, gcSettings, null);
    }

    /**
     * As {@link #start(Path, String)}, with the manifest-service calling the upload-service through
     * {@code manifestsToUploads} (when not null; the cluster points it at the upload-service), so a
     * test can hold an answer between them.
     */
    public static InJvmCluster start(Path dir, String gcSettings, Relay manifestsToUploads) throws Exception {
        InJvmCluster c = new InJvmCluster();
        try {
            c.boot(dir, gcSettings, manifestsToUploads);
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.push(c);
        return c;
    }

    private void boot(Path dir, String gcSettings, Relay manifestsToUploads) throws Exception {
        EmbeddedKafka kafka = keep(EmbeddedKafka.start(dir.resolve("kafka")));
        StorageNode node = keep(StorageNode.start(new StorageNodeConfig("127.0.0.1:0", "rocksdb", dir.resolve("node-a"), "node-a",
                null, null, null, null, 4, null)));
        String common = "kafka:\n  bootstrapServers: " + kafka.bootstrapServers() + "\n  topicPrefix: c" + System.nanoTime()
                + ".\n  partitions: 2\nstorage:\n  nodes: {node-a: 'http://127.0.0.1:" + node.port() + "'}\n"
                + "listen: 127.0.0.1:0\nrequestTimeout: 30s\nstartupTimeout: 2m\nthreads: 8\n";
        ServiceProcess uploads = keep(ServiceProcess.upload((ProcessConfig.UploadService) load(dir, "upload-service",
                common + "data: uploads\n")));
        uploadUrl = "http://127.0.0.1:" + uploads.port();
        // the manifest- and gc-service call each other (retention): the manifest-service gets a port probed free
        int manifestPort = freePort();
        ServiceProcess gc = keep(ServiceProcess.gc((ProcessConfig.GcService) load(dir, "gc-service", common + "data: gc\n"
                + "uploadServices: [" + uploadUrl + "]\nmanifestServices: [http://127.0.0.1:" + manifestPort + "]\n"
                + "validationWindow: 2s\n" + gcSettings)));
        String gcUrl = "http://127.0.0.1:" + gc.port();
        String uploadsOfManifests = uploadUrl;
        if (manifestsToUploads != null) {
            manifestsToUploads.target(uploadUrl);
            uploadsOfManifests = manifestsToUploads.url();
        }
        ServiceProcess manifests = keep(ServiceProcess.manifest((ProcessConfig.ManifestService) load(dir, "manifest-service",
                common.replace("listen: 127.0.0.1:0", "listen: 127.0.0.1:" + manifestPort) + "data: manifests\n"
                        + "uploadServices: [" + uploadsOfManifests + "]\ngcServices: [" + gcUrl + "]\nvalidationWindow: 2s\n")));
        gatewayYaml = "listen: 127.0.0.1:0\nstorage:\n  nodes: {node-a: 'http://127.0.0.1:" + node.port() + "'}\n"
                + "uploadServices: [" + uploadUrl + "]\nmanifestServices: [http://127.0.0.1:" + manifests.port() + "]\n"
                + "gcServices: [" + gcUrl + "]\neventLoops: 2\n"
                + "uploadHold: 1s\n"; // a body streaming longer renews its hold every second (tests run orphan graces of seconds)
        this.dir = dir;
        gatewayPort = startGateway();
        chunks = keep(new ProcessConfig.Storage(Map.of("node-a", "http://127.0.0.1:" + node.port()), 1, 1).placement()
                .open(Duration.ofSeconds(30), null));
    }

    /** Starts another gateway in front of the same services and storage node (config {@code gateway-N.yaml}); returns its OCI port. */
    public synchronized int startGateway() throws Exception {
        gateways++;
        Path file = dir.resolve("gateway-" + gateways + ".yaml");
        java.nio.file.Files.writeString(file, gatewayYaml);
        return keep(ServiceProcess.gateway((ProcessConfig.Gateway) ServiceCommand.load("gateway", file))).port();
    }

    private static Record load(Path dir, String service, String yaml) throws IOException {
        Path file = dir.resolve(service + ".yaml");
        java.nio.file.Files.writeString(file, yaml);
        return ServiceCommand.load(service, file);
    }

    /**
     * A free port below the kernel's ephemeral range: the processes' own outgoing connections (to
     * Kafka, to each other) take their source ports from that range, and one could take a port
     * probed there before a process binds it. Every test that picks a port for a process uses this.
     */
    public static int freePort() throws IOException {
        int low = 32768;
        try {
            low = Integer.parseInt(java.nio.file.Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            // the Linux default
        }
        if (low <= 12000) low = 32768;
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int p = 10000 + random.nextInt(low - 10000);
            try (ServerSocket s = new ServerSocket(p, 50, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port below " + low);
    }

    /** The gateway's OCI API port. */
    public int port() { return gatewayPort; }

    /** The storage node's chunks, read and written directly (as a gateway does). */
    public ChunkStore chunks() { return chunks; }

    /** The upload-service over its internal API. */
    public RemoteUploadService uploads() {
        return new RemoteUploadService(new InternalClient("upload-service", List.of(uploadUrl), Duration.ofSeconds(30), Duration.ofSeconds(60)));
    }

    @Override
    public synchronized void close() {
        while (!open.isEmpty()) {
            try {
                open.pop().close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }
}
