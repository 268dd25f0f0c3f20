package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.strata.core.spi.CephTestCluster;
import dev.strata.storage.HttpChunkStore;
import dev.strata.storage.RadosChunkStore;
import dev.strata.storage.RadosConfig;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code strata storage-node --config FILE} as its own process: the HTTP chunk API over RocksDB
 * keeps every acknowledged chunk and its node id across kill -9; over RADOS the node is stateless
 * and its chunks are objects in the pool. Bad configs exit 2 with a message.
 */
class StorageNodeProcessE2ETest {
    private static final Pattern READY = Pattern.compile("storage-node ready: node (\\S+) serving chunks on http://([^/]+)/chunks");
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killAll() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** A launched node: its process, log, node id and base URL. */
    record Node(Process process, Path log, String nodeId, String baseUrl) {}

    private Process launch(Path config, Path log) throws IOException {
        List<String> cmd = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), StrataProcess.MAIN_CLASS, "storage-node", "--config", config.toString());
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        started.add(p);
        return p;
    }

    private Node start(Path config, Path log) throws Exception {
        int before = readyLines(log); // a restart appends to the same log
        Process p = launch(config, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (readyLines(log) > before) {
                Matcher m = READY.matcher(Files.readString(log));
                String id = null;
                String url = null;
                while (m.find()) {
                    id = m.group(1);
                    url = "http://" + m.group(2);
                }
                return new Node(p, log, id, url);
            }
            if (!p.isAlive()) fail("storage-node exited with " + p.exitValue() + ":\n" + Files.readString(log));
            Thread.sleep(100);
        }
        fail("storage-node not ready within 60 s:\n" + Files.readString(log));
        return null;
    }

    private int readyLines(Path log) throws IOException {
        if (!Files.exists(log)) return 0;
        Matcher m = READY.matcher(Files.readString(log));
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    @Test
    void rocksDbNodeKeepsChunksAndIdAcrossKill9() throws Exception {
        Path dir = E2E.freshDir("storage-node");
        Path config = Files.writeString(dir.resolve("node.yaml"), "listen: 127.0.0.1:0\nstorage: rocksdb\ndata: node-data\n");
        Path log = dir.resolve("node.log");
        Node node = start(config, log);
        assertTrue(node.nodeId().startsWith("node-"), node.nodeId());
        HttpChunkStore client = new HttpChunkStore(node.baseUrl(), Duration.ofSeconds(30));
        assertEquals(node.nodeId(), client.nodeId());
        byte[] big = E2E.randomBytes(4 * 1024 * 1024 + 3);
        byte[] small = E2E.randomBytes(100);
        client.put("c-big", ByteBuffer.wrap(big));
        client.put("c-small", ByteBuffer.wrap(small));

        node.process().destroyForcibly(); // kill -9 right after the acknowledgements
        assertTrue(node.process().waitFor(30, TimeUnit.SECONDS));

        Node again = start(config, log);
        assertEquals(node.nodeId(), again.nodeId(), "the node id is kept in the data directory");
        HttpChunkStore after = new HttpChunkStore(again.baseUrl(), Duration.ofSeconds(30));
        assertArrayEquals(big, after.read("c-big", 0, big.length));
        assertArrayEquals(small, after.read("c-small", 0, small.length));
        List<String> ids = new ArrayList<>();
        after.list(null, ids::add);
        assertEquals(List.of("c-big", "c-small"), ids);
    }

    @Test
    void radosNodeIsStateless() throws Exception {
        Path conf = CephTestCluster.conf();
        Path dir = E2E.freshDir("storage-node-rados");
        String namespace = "e2e-node-" + E2E.token();
        Path config = Files.writeString(dir.resolve("node.yaml"), "listen: 127.0.0.1:0\nstorage: rados\nnodeId: rados-a\ncephConf: " + conf
                + "\ncephPool: " + CephTestCluster.pool() + "\ncephNamespace: " + namespace + "\n");
        Node node = start(config, dir.resolve("node.log"));
        assertEquals("rados-a", node.nodeId());
        byte[] data = E2E.randomBytes(1024 * 1024);
        new HttpChunkStore(node.baseUrl(), Duration.ofSeconds(30)).put("c-1", ByteBuffer.wrap(data));
        try (RadosChunkStore direct = new RadosChunkStore(RadosConfig.of(conf, CephTestCluster.pool(), namespace))) {
            assertArrayEquals(data, direct.read("c-1", 0, data.length), "the chunk is an object in the pool");
            assertTrue(direct.delete("c-1"));
        }
    }

    /** Runs {@code strata fsck} as its own process; returns its exit code and output. */
    private Object[] fsck(Path dir, String nodesSpec) throws Exception {
        Path log = dir.resolve("fsck-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), StrataProcess.MAIN_CLASS, "fsck", "--storage-nodes", nodesSpec, "--replicas", "2")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "fsck finished");
        return new Object[] {p.exitValue(), Files.readString(log)};
    }

    private static java.util.Set<String> ids(HttpChunkStore node) {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        node.list(null, ids::add);
        return ids;
    }

    @Test
    void threeNodesWithTwoReplicasSurviveKill9AndFsckRepairs() throws Exception {
        Path dir = E2E.freshDir("three-nodes");
        Path[] configs = new Path[3];
        Node[] nodes = new Node[3];
        StringBuilder spec = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            int port = StrataProcess.freePort();
            configs[i] = Files.writeString(dir.resolve("n" + i + ".yaml"), "listen: 127.0.0.1:" + port + "\nnodeId: n" + i + "\ndata: n" + i + "\n");
            nodes[i] = start(configs[i], dir.resolve("n" + i + ".log"));
            spec.append(i == 0 ? "" : ",").append("n").append(i).append('=').append(nodes[i].baseUrl());
        }
        try (StrataProcess server = StrataProcess.startWith("three-nodes", List.of("--storage", "nodes", "--storage-nodes", spec.toString(), "--replicas", "2"))) {
            RegistryClient c = new RegistryClient(server);
            String repo = "e2e/placed-" + E2E.token();
            byte[][] layers = {E2E.randomBytes(9 * 1024 * 1024 + 1), E2E.randomBytes(1024 * 1024), E2E.randomBytes(5000)};
            byte[] config = ("{\"token\":\"" + E2E.token() + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] manifest = c.pushImage(repo, "v1", config, layers);
            java.util.Set<String> before = new java.util.TreeSet<>();
            for (Node n : nodes) before.addAll(ids(new HttpChunkStore(n.baseUrl(), Duration.ofSeconds(30))));
            assertTrue(before.size() >= 7, "chunks: 3 + 1 + 1 layer chunks, config, manifest: " + before);

            nodes[1].process().destroyForcibly(); // kill -9 one storage node
            assertTrue(nodes[1].process().waitFor(30, TimeUnit.SECONDS));
            for (byte[] layer : layers) c.assertBlobBytes(repo, layer);
            c.assertBlobBytes(repo, config);
            assertArrayEquals(manifest, c.manifestBytes(repo, "v1", E2E.digest(manifest)));

            Object[] fsck = fsck(dir, spec.toString());
            String out = (String) fsck[1];
            assertEquals(0, fsck[0], out);
            assertTrue(out.contains("nodes not answering: n1"), out);
            Matcher copies = Pattern.compile("(\\d+) chunks checked, (\\d+) copies made, 0 failed").matcher(out);
            assertTrue(copies.find(), out);
            assertEquals(before.size(), Integer.parseInt(copies.group(1)), out);
            assertTrue(Integer.parseInt(copies.group(2)) > 0, "n1 held copies, so fsck re-replicated some: " + out);
            java.util.Set<String> n0 = ids(new HttpChunkStore(nodes[0].baseUrl(), Duration.ofSeconds(30)));
            java.util.Set<String> n2 = ids(new HttpChunkStore(nodes[2].baseUrl(), Duration.ofSeconds(30)));
            assertEquals(before, n0, "every chunk on survivor n0 after fsck");
            assertEquals(before, n2, "every chunk on survivor n2 after fsck");

            // the node comes back on its port and data: nothing breaks
            nodes[1] = start(configs[1], dir.resolve("n1.log"));
            for (byte[] layer : layers) c.assertBlobBytes(repo, layer);
            byte[] later = E2E.randomBytes(6 * 1024 * 1024);
            c.pushImage(repo, "v2", config, later);
            c.assertBlobBytes(repo, later);
            Object[] again = fsck(dir, spec.toString());
            assertEquals(0, again[0], (String) again[1]);
            assertTrue(((String) again[1]).contains("0 failed"), (String) again[1]);
        }
    }

    @Test
    void badConfigExits2WithAMessage() throws Exception {
        Path dir = E2E.freshDir("storage-node-bad");
        Path config = Files.writeString(dir.resolve("node.yaml"), "storage: rocksdb\nlisten: 127.0.0.1:0\n");
        Path log = dir.resolve("node.log");
        Process p = launch(config, log);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        String out = Files.readString(log);
        assertTrue(out.contains("data (the chunk directory) is required"), out);
        assertNotEquals(-1, out.indexOf("usage: strata storage-node --config FILE"), out);
    }
}
