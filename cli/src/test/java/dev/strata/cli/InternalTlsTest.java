package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.oci.Digest;
import dev.strata.core.metrics.Health;
import dev.strata.core.rpc.InternalClient;
import dev.strata.core.rpc.InternalServer;
import dev.strata.core.rpc.InternalTls;
import dev.strata.gateway.auth.DevCertificates;
import dev.strata.storage.HttpChunkStore;
import dev.strata.storage.StorageNode;
import dev.strata.storage.StorageNodeConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS on the internal hops: two storage nodes, an upload-service and a manifest-service serving
 * HTTPS with a certificate from {@code strata cert}'s CA (the process wiring of
 * {@link ServiceProcess}, in this JVM, over real sockets and a real Kafka broker); the gateway reaches
 * them over https:// URLs trusting that CA. A push and pull through the gateway works; a client
 * without the CA, a plain-HTTP client and a certificate for another host name are refused.
 */
class InternalTlsTest {
    private static final Deque<AutoCloseable> OPEN = new ArrayDeque<>();
    @org.junit.jupiter.api.io.TempDir
    static Path dir;
    private static InternalTls tls;
    private static StorageNode nodeA;
    private static ServiceProcess uploads;
    private static ServiceProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        Path certs = dir.resolve("certs");
        DevCertificates.generate(certs, List.of("127.0.0.1", "localhost"), Duration.ofDays(1));
        tls = new InternalTls(certs.resolve(DevCertificates.SERVER_CERT), certs.resolve(DevCertificates.SERVER_KEY),
                certs.resolve(DevCertificates.CA_CERT));
        InternalTls nodeTls = new InternalTls(tls.cert(), tls.key(), null); // a node calls nobody: no CA
        EmbeddedKafka kafka = keep(EmbeddedKafka.start(dir.resolve("kafka")));
        nodeA = keep(StorageNode.start(new StorageNodeConfig("127.0.0.1:0", "rocksdb", dir.resolve("node-a"), "node-a", null, null, null, null, 4, nodeTls)));
        StorageNode nodeB = keep(StorageNode.start(new StorageNodeConfig("127.0.0.1:0", "rocksdb", dir.resolve("node-b"), "node-b", null, null, null, null, 4, nodeTls)));
        var storage = new ProcessConfig.Storage(Map.of("node-a", "https://127.0.0.1:" + nodeA.port(), "node-b", "https://127.0.0.1:" + nodeB.port()), 2, 2);
        var log = new ProcessConfig.Kafka(kafka.bootstrapServers(), "tls" + System.nanoTime() + ".", 2, (short) 1, null, null);
        uploads = keep(ServiceProcess.upload(new ProcessConfig.UploadService("127.0.0.1:0", dir.resolve("uploads"), log, storage, "30s", "2m", 8, tls)));
        List<String> uploadUrls = List.of("https://127.0.0.1:" + uploads.port());
        ServiceProcess manifests = keep(ServiceProcess.manifest(new ProcessConfig.ManifestService("127.0.0.1:0", dir.resolve("manifests"), log,
                storage, uploadUrls, null, "30s", null, "30s", "2m", 8, tls)));
        gateway = keep(ServiceProcess.gateway(new ProcessConfig.Gateway("127.0.0.1:0", "127.0.0.1:0", storage, uploadUrls,
                List.of("https://127.0.0.1:" + manifests.port()), null, "30s", 2, null, null, null,
                new InternalTls(null, null, certs.resolve(DevCertificates.CA_CERT)), null)));
    }

    private static <T extends AutoCloseable> T keep(T c) {
        OPEN.push(c);
        return c;
    }

    @AfterAll
    static void stop() throws Exception {
        while (!OPEN.isEmpty()) OPEN.pop().close();
    }

    private static final HttpClient PLAIN = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    private static HttpResponse<byte[]> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return PLAIN.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void pushAndPullThroughTheGatewayOverTlsHops() throws Exception {
        String base = "http://127.0.0.1:" + gateway.port() + "/v2/tls/app/";
        RawImage image = RawImage.push(PLAIN, base, 5 * 1024 * 1024 + 17, "v1"); // two gateway chunks on two HTTPS storage nodes
        byte[] layer = image.layer();
        byte[] config = image.config();
        byte[] manifest = image.manifest();
        var got = send(HttpRequest.newBuilder(URI.create(base + "manifests/v1")).header("Accept", "application/vnd.oci.image.manifest.v1+json").GET());
        assertEquals(200, got.statusCode());
        assertArrayEquals(manifest, got.body());
        var blob = send(HttpRequest.newBuilder(URI.create(base + "blobs/" + Digest.sha256(layer))).GET());
        assertEquals(200, blob.statusCode());
        assertArrayEquals(layer, blob.body(), "layer bytes back through the gateway from the HTTPS storage nodes");
        // and the chunks really are on the TLS storage nodes: read one back over HTTPS with the CA
        HttpChunkStore direct = new HttpChunkStore("https://127.0.0.1:" + nodeA.port(), Duration.ofSeconds(30), tls.client());
        assertEquals(-1, direct.size("no-such-chunk"));
    }

    @Test
    void clientsWithoutTheCaOrWithoutTlsAreRefused() {
        URI node = URI.create("https://127.0.0.1:" + nodeA.port() + "/healthz");
        // the JDK's default trust store does not hold strata cert's CA
        assertThrows(SSLHandshakeException.class, () -> send(HttpRequest.newBuilder(node).GET()));
        // plain HTTP to an HTTPS port gets no HTTP answer
        assertThrows(IOException.class, () -> send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodeA.port() + "/healthz")).GET()));
        // an https:// URL without a CA is a configuration error, caught at startup
        assertThrows(IllegalArgumentException.class, () -> new HttpChunkStore("https://127.0.0.1:" + nodeA.port(), Duration.ofSeconds(5)));
        assertThrows(IllegalArgumentException.class,
                () -> new InternalClient("upload-service", List.of("https://127.0.0.1:" + uploads.port()), Duration.ofSeconds(5), Duration.ofSeconds(10)));
        assertThrows(IllegalArgumentException.class, () -> new ProcessConfig.Storage(Map.of("a", "https://127.0.0.1:1"), 1, 1).checkTls(null));
        // with the CA the same node answers
        var ok = assertDoesNotThrowSend(node);
        assertEquals(200, ok.statusCode());
    }

    private static HttpResponse<byte[]> assertDoesNotThrowSend(URI uri) {
        HttpClient trusting = InternalTls.client(tls.client()).connectTimeout(Duration.ofSeconds(10)).build();
        try {
            return trusting.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("a client trusting the CA was refused: " + e, e);
        }
    }

    @Test
    void aCertificateForAnotherHostNameIsRefused() throws Exception {
        Path other = dir.resolve("other-host");
        Files.createDirectories(other);
        Path certs = dir.resolve("certs");
        Files.copy(certs.resolve(DevCertificates.CA_CERT), other.resolve(DevCertificates.CA_CERT));
        Files.copy(certs.resolve(DevCertificates.CA_KEY), other.resolve(DevCertificates.CA_KEY));
        DevCertificates.generate(other, List.of("other.example"), Duration.ofDays(1)); // same CA, another name
        InternalTls wrongName = new InternalTls(other.resolve(DevCertificates.SERVER_CERT), other.resolve(DevCertificates.SERVER_KEY), null);
        try (InternalServer server = new InternalServer("probe", new InetSocketAddress("127.0.0.1", 0), 2, new Health(), new dev.strata.core.metrics.Metrics(), wrongName.server())) {
            server.op("ping", args -> "pong");
            InternalClient client = new InternalClient("probe", List.of("https://127.0.0.1:" + server.port()), Duration.ofSeconds(5),
                    Duration.ofSeconds(8), tls.client());
            var e = assertThrows(dev.strata.core.oci.OciException.class, () -> client.call("ping", Map.of(), String.class, true));
            assertTrue(e.getMessage().contains("SSL") || e.getMessage().contains("certificate") || e.getMessage().contains("Handshake"), e.getMessage());
            InternalClient right = new InternalClient("probe", List.of("https://localhost:" + server.port()), Duration.ofSeconds(5),
                    Duration.ofSeconds(8), tls.client());
            assertThrows(dev.strata.core.oci.OciException.class, () -> right.call("ping", Map.of(), String.class, true),
                    "localhost is not other.example either");
        }
    }
}
