package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.storage.StorageNode;
import dev.strata.storage.StorageNodeConfig;
import java.io.IOException;
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
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * /metrics of the service processes ({@link ServiceProcess}, configs loaded from YAML as
 * {@code strata upload-service --config} does, in this JVM over real sockets, a real Kafka broker
 * and a RocksDB storage node): after a push through the gateway process, each service's scrape shows
 * its own traffic: requests by operation and status with bytes in and out, upload sessions
 * (upload-service), consumer lag per projection and partition (all three), GC passes and storage
 * usage (gc-service), JVM gauges; the gateway's admin port renders the gateway's registry.
 */
class ServiceMetricsTest {
    private static final Deque<AutoCloseable> OPEN = new ArrayDeque<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    @org.junit.jupiter.api.io.TempDir
    static Path dir;
    private static ServiceProcess uploads;
    private static ServiceProcess manifests;
    private static ServiceProcess gc;
    private static ServiceProcess gateway;
    private static StorageNode node;

    @BeforeAll
    static void start() throws Exception {
        EmbeddedKafka kafka = keep(EmbeddedKafka.start(dir.resolve("kafka")));
        node = keep(StorageNode.start(new StorageNodeConfig("127.0.0.1:0", "rocksdb", dir.resolve("node"), "n1", null, null, null, null, 4, null)));
        String shared = "kafka:\n  bootstrapServers: " + kafka.bootstrapServers() + "\n  topicPrefix: metrics" + System.nanoTime() + ".\n  partitions: 2\n"
                + "storage:\n  nodes: {n1: \"http://127.0.0.1:" + node.port() + "\"}\n  replicas: 1\nstartupTimeout: 2m\nthreads: 8\n";
        uploads = keep(ServiceProcess.upload((ProcessConfig.UploadService) config("upload-service",
                "listen: 127.0.0.1:0\ndata: " + dir.resolve("uploads") + "\n" + shared)));
        String uploadUrls = "[http://127.0.0.1:" + uploads.port() + "]";
        // a GC pass every second (the grace period keeps everything): the passes counter moves
        gc = keep(ServiceProcess.gc((ProcessConfig.GcService) config("gc-service",
                "listen: 127.0.0.1:0\ndata: " + dir.resolve("gc") + "\n" + shared + "uploadServices: " + uploadUrls + "\ninterval: 1s\n")));
        String gcUrls = "[http://127.0.0.1:" + gc.port() + "]";
        manifests = keep(ServiceProcess.manifest((ProcessConfig.ManifestService) config("manifest-service",
                "listen: 127.0.0.1:0\ndata: " + dir.resolve("manifests") + "\n" + shared + "uploadServices: " + uploadUrls
                        + "\ngcServices: " + gcUrls + "\n")));
        gateway = keep(ServiceProcess.gateway((ProcessConfig.Gateway) config("gateway",
                "listen: 127.0.0.1:0\nadminListen: 127.0.0.1:0\nstorage:\n  nodes: {n1: \"http://127.0.0.1:" + node.port() + "\"}\n  replicas: 1\n"
                        + "uploadServices: " + uploadUrls + "\nmanifestServices: [http://127.0.0.1:" + manifests.port() + "]\n"
                        + "gcServices: " + gcUrls + "\neventLoops: 1\n")));
    }

    private static Record config(String service, String yaml) throws IOException {
        Path file = dir.resolve(service + ".yaml");
        Files.writeString(file, yaml);
        return ServiceCommand.load(service, file);
    }

    private static <T extends AutoCloseable> T keep(T c) {
        OPEN.push(c);
        return c;
    }

    @AfterAll
    static void stop() throws Exception {
        while (!OPEN.isEmpty()) OPEN.pop().close();
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String scrape(ServiceProcess p) throws Exception {
        HttpResponse<String> r = get(p.adminPort(), "/metrics");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"), r.headers().toString());
        return r.body();
    }

    /** The value of one series, exactly as exposed (name and labels); 0 when absent. */
    private static double sample(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1));
        }
        return 0;
    }

    /** Scrapes until {@code ok} holds (projections and GC passes catch up asynchronously), then returns that scrape. */
    private static String awaitScrape(ServiceProcess p, Predicate<String> ok) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String s = scrape(p);
        while (!ok.test(s) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            s = scrape(p);
        }
        return s;
    }

    private static String nodeScrape() throws Exception {
        HttpResponse<String> r = get(node.port(), "/metrics");
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private static double moved(String before, String after, String series) {
        return sample(after, series) - sample(before, series);
    }

    private static HttpResponse<byte[]> send(HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void eachServiceProcessExportsItsOwnTrafficLagAndState() throws Exception {
        String uploadsBefore = scrape(uploads);
        String gatewayBefore = scrape(gateway);
        String nodeBefore = nodeScrape();
        String manifestsBefore = scrape(manifests);
        String gcBefore = scrape(gc);

        String base = "http://127.0.0.1:" + gateway.port() + "/v2/metrics/app/";
        RawImage image = RawImage.push(HTTP, base, 1024 * 1024 + 5, "v1");
        byte[] layer = image.layer();
        byte[] config = image.config();
        byte[] manifest = image.manifest();

        // upload-service: its operations by status, bytes both ways, the sessions' outcomes, its projection's lag per partition
        String u = scrape(uploads);
        String started = "strata_http_requests_total{server=\"upload-service\",route=\"uploads.start\",method=\"POST\",status=\"200\"}";
        assertEquals(2, sample(u, started) - sample(uploadsBefore, started), u);
        String committed = "strata_http_requests_total{server=\"upload-service\",route=\"uploads.commit\",method=\"POST\",status=\"200\"}";
        assertEquals(2, sample(u, committed) - sample(uploadsBefore, committed), u);
        assertEquals(2, sample(u, "strata_upload_sessions_total{event=\"completed\"}") - sample(uploadsBefore, "strata_upload_sessions_total{event=\"completed\"}"), u);
        assertTrue(sample(u, "strata_upload_appended_bytes_total") - sample(uploadsBefore, "strata_upload_appended_bytes_total") >= layer.length, u);
        assertTrue(sample(u, "strata_http_received_bytes_total{server=\"upload-service\",route=\"uploads.commit\"}") > 0, u);
        assertTrue(sample(u, "strata_http_sent_bytes_total{server=\"upload-service\",route=\"uploads.commit\"}") > 0, u);
        assertTrue(u.contains("strata_projection_lag_records{projection=\"uploads\",topic=\""), u);
        assertTrue(u.contains(",partition=\"1\"}"), "lag per partition (2 partitions):\n" + u);
        assertEquals(1, sample(u, "strata_projection_up{projection=\"uploads\"}"), u);
        assertTrue(sample(u, "strata_jvm_heap_used_bytes") > 0, u);
        // its chunk store: the commit's check stats each chunk of the two uploads on the storage node
        assertTrue(moved(uploadsBefore, u, "strata_chunk_store_operations_total{operation=\"size\",outcome=\"ok\"}") >= 2, u);
        assertTrue(u.contains("strata_storage_node_suspect{node=\"n1\"} 0"), u);

        // manifest-service: the manifest PUT and the link checks it made, its projection's lag
        String m = scrape(manifests);
        String putOp = "strata_http_requests_total{server=\"manifest-service\",route=\"manifests.putManifest\",method=\"POST\",status=\"200\"}";
        assertEquals(1, sample(m, putOp) - sample(manifestsBefore, putOp), m);
        assertTrue(sample(m, "strata_http_received_bytes_total{server=\"manifest-service\",route=\"manifests.putManifest\"}") >= manifest.length, m);
        assertTrue(m.contains("strata_projection_lag_records{projection=\"repositories\""), m);

        // gc-service: passes run, and the storage usage its projection holds counts the two blobs
        String g = awaitScrape(gc, s -> sample(s, "strata_storage_blobs") >= 2
                && sample(s, "strata_gc_passes_total{outcome=\"ok\"}") > sample(gcBefore, "strata_gc_passes_total{outcome=\"ok\"}"));
        assertEquals(2, sample(g, "strata_storage_blobs"), g);
        assertEquals(layer.length + config.length, sample(g, "strata_storage_bytes"), g);
        assertTrue(sample(g, "strata_gc_passes_total{outcome=\"ok\"}") > sample(gcBefore, "strata_gc_passes_total{outcome=\"ok\"}"), g);
        assertTrue(sample(g, "strata_gc_last_pass_timestamp_seconds") > 0, g);
        assertTrue(g.contains("strata_projection_lag_records{projection=\"gc\""), g);

        // the gateway's admin port renders the gateway's registry: the OCI requests it served
        String gw = scrape(gateway);
        assertEquals(2, sample(gw, "strata_http_requests_total{server=\"gateway\",route=\"blob_uploads\",method=\"POST\",status=\"201\"}"), gw);
        assertTrue(sample(gw, "strata_http_received_bytes_total{server=\"gateway\",route=\"blob_uploads\"}") >= layer.length, gw);
        // the gateway stored the layer and config as chunks on the node, the node counts what it was sent
        assertTrue(moved(gatewayBefore, gw, "strata_chunk_store_operations_total{operation=\"put\",outcome=\"ok\"}") >= 2, gw);
        assertTrue(moved(gatewayBefore, gw, "strata_chunk_store_bytes_total{direction=\"written\"}") >= layer.length + config.length, gw);
        assertTrue(gw.contains("strata_storage_node_suspect{node=\"n1\"} 0"), gw);
        String n = nodeScrape();
        assertTrue(moved(nodeBefore, n, "strata_chunk_store_operations_total{operation=\"put\",outcome=\"ok\"}") >= 3, n); // + the manifest
        assertTrue(moved(nodeBefore, n, "strata_chunk_store_bytes_total{direction=\"written\"}") >= layer.length + config.length + manifest.length, n);
        assertTrue(moved(nodeBefore, n, "strata_chunk_store_operations_total{operation=\"size\",outcome=\"ok\"}") >= 2, n);
        assertEquals(200, get(gateway.adminPort(), "/readyz").statusCode());
        assertEquals(200, get(gateway.port(), "/metrics").statusCode());
    }

    @Test
    void readyzReportsEachCheckAndMetricsCountsTheProbes() throws Exception {
        for (ServiceProcess p : List.of(uploads, manifests, gc)) {
            HttpResponse<String> r = get(p.adminPort(), "/readyz");
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"projections\":\"ok\""), r.body());
            assertEquals(200, get(p.adminPort(), "/healthz").statusCode());
        }
        String u = scrape(uploads);
        assertTrue(sample(u, "strata_http_requests_total{server=\"upload-service\",route=\"readyz\",method=\"GET\",status=\"200\"}") >= 1, u);
    }
}
