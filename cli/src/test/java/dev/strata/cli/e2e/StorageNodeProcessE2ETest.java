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

    /** Runs {@code strata fsck --all-chunks} as its own process; returns its exit code and output. */
    private Object[] fsck(Path dir, String nodesSpec) throws Exception {
        return fsck(dir, "--storage-nodes", nodesSpec, "--replicas", "2", "--all-chunks");
    }

    /** Runs {@code strata fsck ARGS} as its own process; returns its exit code and output. */
    private Object[] fsck(Path dir, String... args) throws Exception {
        Path log = dir.resolve("fsck-" + System.nanoTime() + ".log");
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), StrataProcess.MAIN_CLASS, "fsck"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
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

    private static String spec(Node[] nodes, int count) {
        StringBuilder spec = new StringBuilder();
        for (int i = 0; i < count; i++) spec.append(i == 0 ? "" : ",").append("n").append(i).append('=').append(nodes[i].baseUrl());
        return spec.toString();
    }

    /** The node has these bytes for the chunk now (a repair deletes a corrupt copy before it writes the good one). */
    private static boolean holds(HttpChunkStore node, String id, byte[] expected) {
        try {
            return node.size(id) == expected.length && java.util.Arrays.equals(expected, node.read(id, 0, expected.length));
        } catch (dev.strata.core.spi.ChunkStore.ChunkNotFoundException e) {
            return false;
        }
    }

    /** Replaces a node's copy of a chunk with the same number of bytes, one of them flipped. */
    private static byte[] corrupt(HttpChunkStore node, String id) {
        long size = node.size(id);
        byte[] good = node.read(id, 0, (int) size);
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 0x01;
        assertTrue(node.delete(id));
        node.put(id, ByteBuffer.wrap(bad));
        return good;
    }

    /**
     * Topology change and scrub with real processes: blobs pushed while the registry had two storage
     * nodes still pull after it restarts with three (read through the placement recorded in their
     * events: the new node is never asked for them), while new blobs spread over all three. Then
     * {@code strata fsck} rebuilds the blob list from the event log and repairs a corrupt copy and a
     * missing one of a layer and a missing copy of a manifest (exit 0), reports a chunk with no good copy left (exit 1), and the online scrub
     * repairs a copy corrupted while the registry runs.
     */
    @Test
    void oldBlobsReadAfterANodeIsAddedAndFsckAndScrubRepairCorruptCopies() throws Exception {
        Path dir = E2E.freshDir("topology");
        Node[] nodes = new Node[3];
        for (int i = 0; i < 3; i++) {
            int port = StrataProcess.freePort();
            Path config = Files.writeString(dir.resolve("n" + i + ".yaml"), "listen: 127.0.0.1:" + port + "\nnodeId: n" + i + "\ndata: n" + i + "\n");
            nodes[i] = start(config, dir.resolve("n" + i + ".log"));
        }
        HttpChunkStore[] direct = new HttpChunkStore[3];
        for (int i = 0; i < 3; i++) direct[i] = new HttpChunkStore(nodes[i].baseUrl(), Duration.ofSeconds(30));
        try (StrataProcess server = StrataProcess.startWith("topology", List.of("--storage", "nodes", "--storage-nodes", spec(nodes, 2), "--replicas", "2"))) {
            String repo = "e2e/topology-" + E2E.token();
            byte[][] layers = {E2E.randomBytes(9 * 1024 * 1024 + 1), E2E.randomBytes(1024 * 1024), E2E.randomBytes(5000)};
            byte[] config = ("{\"token\":\"" + E2E.token() + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] manifest = new RegistryClient(server).pushImage(repo, "v1", config, layers);
            java.util.Set<String> oldChunks = ids(direct[0]);
            oldChunks.addAll(ids(direct[1]));
            assertTrue(ids(direct[2]).isEmpty(), "n2 is not in the topology yet");

            // a third node joins: restart with three
            server.restart(List.of("--storage", "nodes", "--storage-nodes", spec(nodes, 3), "--replicas", "2"));
            RegistryClient c = new RegistryClient(server);
            for (byte[] layer : layers) c.assertBlobBytes(repo, layer);
            c.assertBlobBytes(repo, config);
            assertArrayEquals(manifest, c.manifestBytes(repo, "v1", E2E.digest(manifest)));
            byte[][] fresh = new byte[12][];
            for (int i = 0; i < fresh.length; i++) fresh[i] = E2E.randomBytes(20_000 + i);
            c.pushImage(repo, "v2", config, fresh);
            for (byte[] f : fresh) c.assertBlobBytes(repo, f);
            for (int i = 0; i < 3; i++) {
                java.util.Set<String> now = ids(direct[i]);
                now.removeAll(oldChunks);
                assertTrue(now.size() >= 3, "new chunks spread to n" + i + " too: " + now.size());
            }

            // fsck from the event log: one corrupt copy and one missing copy of old chunks
            List<String> old = oldChunks.stream().filter(id -> id.startsWith("c-")).sorted().toList();
            String corrupted = old.stream().filter(id -> direct[0].size(id) >= 0).findFirst().orElseThrow();
            byte[] good = corrupt(direct[0], corrupted);
            String deleted = old.stream().filter(id -> !id.equals(corrupted) && direct[1].size(id) >= 0).findFirst().orElseThrow();
            byte[] deletedBytes = direct[1].read(deleted, 0, (int) direct[1].size(deleted));
            assertTrue(direct[1].delete(deleted));
            String manifestChunk = oldChunks.stream().filter(id -> id.startsWith("m-") && direct[0].size(id) >= 0).findFirst().orElseThrow();
            byte[] manifestCopy = direct[0].read(manifestChunk, 0, (int) direct[0].size(manifestChunk));
            assertTrue(direct[0].delete(manifestChunk));
            String[] fsckArgs = {"--storage-nodes", spec(nodes, 3), "--replicas", "2", "--data", server.dataDir().toString()};
            Object[] fsck = fsck(dir, fsckArgs);
            String out = (String) fsck[1];
            assertEquals(0, fsck[0], out);
            assertTrue(out.contains("blob index rebuilt from"), out);
            assertTrue(out.contains(corrupted + ": n0: CRC32C"), out);
            assertTrue(out.contains(deleted + ": n1: missing"), out);
            assertTrue(out.contains(manifestChunk + ": n0: missing"), out);
            assertTrue(out.contains("3 chunks damaged, 3 copies repaired, 0 chunks unrepaired"), out);
            assertArrayEquals(manifestCopy, direct[0].read(manifestChunk, 0, manifestCopy.length), "the manifest's copy is back");
            assertArrayEquals(good, direct[0].read(corrupted, 0, good.length), "the corrupt copy is rewritten");
            assertArrayEquals(deletedBytes, direct[1].read(deleted, 0, deletedBytes.length), "the missing copy is back");
            Object[] clean = fsck(dir, fsckArgs);
            assertEquals(0, clean[0], (String) clean[1]);
            assertTrue(((String) clean[1]).contains("0 chunks damaged"), (String) clean[1]);

            // no good copy left: reported, exit 1
            String lost = old.stream().filter(id -> direct[0].size(id) >= 0 && direct[1].size(id) >= 0).findFirst().orElseThrow();
            byte[] lostBytes = corrupt(direct[0], lost);
            corrupt(direct[1], lost);
            Object[] bad = fsck(dir, fsckArgs);
            assertEquals(1, bad[0], (String) bad[1]);
            assertTrue(((String) bad[1]).contains("1 chunks unrepaired"), (String) bad[1]);
            for (int i = 0; i < 2; i++) { // put it right for what follows
                direct[i].delete(lost);
                direct[i].put(lost, ByteBuffer.wrap(lostBytes));
            }

            // the online scrub: every second here; a copy corrupted while serving is rewritten
            server.restart(List.of("--storage", "nodes", "--storage-nodes", spec(nodes, 3), "--replicas", "2", "--scrub-interval", "1s"));
            String scrubbed = old.stream().filter(id -> direct[1].size(id) >= 0).findFirst().orElseThrow();
            byte[] scrubbedGood = corrupt(direct[1], scrubbed);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!holds(direct[1], scrubbed, scrubbedGood)) {
                if (System.nanoTime() > deadline) fail("the online scrub did not repair " + scrubbed + "\n" + server.logTail());
                Thread.sleep(200);
            }
            RegistryClient after = new RegistryClient(server);
            for (byte[] layer : layers) after.assertBlobBytes(repo, layer);
        }
    }
}
