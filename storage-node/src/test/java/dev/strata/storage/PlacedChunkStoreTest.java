package dev.strata.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ChunkStoreConformance;
import dev.strata.core.spi.MemoryChunkStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Placement over storage nodes: the conformance suite over three in-memory nodes with R=2, W=2;
 * then three real HTTP nodes on RocksDB: a node stops and every chunk still reads, a write with one
 * node down reaches W on the others, repair re-replicates onto the survivors, and the node comes back.
 */
class PlacedChunkStoreTest extends ChunkStoreConformance {
    private final List<MemoryChunkStore> memoryNodes = new ArrayList<>();

    @Override
    protected ChunkStore newStore(Path dir) {
        memoryNodes.clear();
        List<PlacedChunkStore.Node> nodes = new ArrayList<>();
        for (String id : List.of("n1", "n2", "n3")) {
            MemoryChunkStore m = new MemoryChunkStore();
            memoryNodes.add(m);
            nodes.add(new PlacedChunkStore.Node(id, m));
        }
        return new PlacedChunkStore(nodes, 2, 2);
    }

    @Test
    void eachChunkLivesOnItsTopTwoNodes() {
        PlacedChunkStore placed = (PlacedChunkStore) backend();
        Map<String, Integer> perNode = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            String id = "c-" + i;
            store.put(id, ByteBuffer.wrap(new byte[] {(byte) i}));
            List<PlacedChunkStore.Node> ranked = placed.ranking(id);
            for (int k = 0; k < 3; k++) {
                long size = ranked.get(k).store().size(id);
                assertEquals(k < 2 ? 1 : -1, size, id + " on node " + ranked.get(k).id() + " (rank " + k + ")");
            }
            perNode.merge(ranked.get(0).id(), 1, Integer::sum);
        }
        // rendezvous hashing spreads primaries over every node (300 chunks: each gets a share)
        for (String n : List.of("n1", "n2", "n3")) assertTrue(perNode.getOrDefault(n, 0) > 50, "primaries per node: " + perNode);
    }

    @Test
    void badPlacementSettingsRejected() {
        List<PlacedChunkStore.Node> two = List.of(new PlacedChunkStore.Node("a", new MemoryChunkStore()), new PlacedChunkStore.Node("b", new MemoryChunkStore()));
        assertThrows(IllegalArgumentException.class, () -> new PlacedChunkStore(two, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new PlacedChunkStore(two, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> new PlacedChunkStore(two, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new PlacedChunkStore(List.of(), 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new PlacedChunkStore(
                List.of(new PlacedChunkStore.Node("a", new MemoryChunkStore()), new PlacedChunkStore.Node("a", new MemoryChunkStore())), 1, 1));
    }

    /** Three HTTP storage nodes on RocksDB, each restartable on its directory and port. */
    static final class Cluster implements AutoCloseable {
        final Path dir;
        final StorageNodeServer[] servers = new StorageNodeServer[3];
        final RocksChunkStore[] stores = new RocksChunkStore[3];
        final int[] ports = new int[3];

        Cluster(Path dir) throws IOException {
            this.dir = dir;
            for (int i = 0; i < 3; i++) start(i);
        }

        void start(int i) throws IOException {
            stores[i] = new RocksChunkStore(dir.resolve("node" + i));
            servers[i] = new StorageNodeServer(stores[i], "node" + i, new InetSocketAddress("127.0.0.1", ports[i]), 8);
            ports[i] = servers[i].port();
        }

        void stop(int i) {
            servers[i].close();
            stores[i].close();
        }

        PlacedChunkStore client(int replicas, int writeQuorum) {
            List<PlacedChunkStore.Node> nodes = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                nodes.add(new PlacedChunkStore.Node("node" + i, new HttpChunkStore("http://127.0.0.1:" + ports[i], Duration.ofSeconds(10))));
            }
            return new PlacedChunkStore(nodes, replicas, writeQuorum);
        }

        @Override
        public void close() {
            for (int i = 0; i < 3; i++) {
                servers[i].close();
                stores[i].close();
            }
        }
    }

    @Test
    void losingANodeLosesNothingAndRepairReReplicates() throws Exception {
        try (Cluster cluster = new Cluster(tempDir.resolve("cluster"));
             PlacedChunkStore placed = cluster.client(2, 2)) {
            Map<String, byte[]> chunks = new HashMap<>();
            for (int i = 0; i < 40; i++) {
                byte[] data = random(1000 + i * 5000, i);
                chunks.put("c-" + i, data);
                placed.put("c-" + i, ByteBuffer.wrap(data));
            }
            cluster.stop(1);

            for (Map.Entry<String, byte[]> e : chunks.entrySet()) {
                assertArrayEquals(e.getValue(), placed.read(e.getKey(), 0, e.getValue().length), e.getKey() + " with node1 down");
                assertEquals(e.getValue().length, placed.size(e.getKey()));
            }
            // writes still reach W=2 on the two live nodes
            byte[] during = random(70_000, 99);
            placed.put("c-during", ByteBuffer.wrap(during));
            chunks.put("c-during", during);

            // repair: every chunk that had a copy on node1 gets a second copy on a survivor
            int copied = 0;
            for (String id : chunks.keySet()) copied += placed.repair(id);
            assertTrue(copied > 0, "node1 held some chunks, so repair copied some");
            for (String id : chunks.keySet()) {
                int copies = 0;
                for (int i : new int[] {0, 2}) if (cluster.stores[i].size(id) >= 0) copies++;
                assertEquals(2, copies, id + " on both survivors after repair");
                assertEquals(0, placed.repair(id), "a second repair copies nothing");
            }

            // the node comes back: nothing breaks, every chunk reads, and a repair fills it again
            cluster.start(1);
            for (Map.Entry<String, byte[]> e : chunks.entrySet()) {
                assertArrayEquals(e.getValue(), placed.read(e.getKey(), 0, e.getValue().length), e.getKey() + " after node1 is back");
            }
            for (String id : chunks.keySet()) placed.repair(id);
            for (String id : chunks.keySet()) {
                for (PlacedChunkStore.Node n : placed.ranking(id).subList(0, 2)) assertTrue(n.store().size(id) >= 0, id + " on " + n.id());
            }
        }
    }

    @Test
    void writeFailsBelowTheQuorum() throws Exception {
        try (Cluster cluster = new Cluster(tempDir.resolve("cluster"));
             PlacedChunkStore placed = cluster.client(2, 2)) {
            cluster.stop(0);
            cluster.stop(1);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> placed.put("c-x", ByteBuffer.wrap(new byte[] {1})));
            assertTrue(e.getMessage().contains("2 required"), e.getMessage());
            IllegalStateException r = assertThrows(IllegalStateException.class, () -> placed.read("c-y", 0, 1));
            assertTrue(r.getMessage().contains("no replica"), r.getMessage());
        }
    }

    private static ChunkRef ref(String id, byte[] data, PlacedChunkStore placed) {
        return new ChunkRef(id, data.length, ChunkStore.crc32c(ByteBuffer.wrap(data)), placed.placement());
    }

    /**
     * On three real HTTP nodes: a deleted copy and a corrupted copy (same length, other bytes) are
     * found by their recorded size and CRC32C and rewritten from a good copy; a scrub over a blob
     * list reports it; with no good copy left the chunk is reported unrepaired.
     */
    @Test
    void checkFindsMissingAndCorruptCopiesAndRepairsThem() throws Exception {
        try (Cluster cluster = new Cluster(tempDir.resolve("cluster"));
             PlacedChunkStore placed = cluster.client(2, 2)) {
            byte[] a = random(300_000, 1);
            byte[] b = random(5_000, 2);
            placed.put("c-a", ByteBuffer.wrap(a));
            placed.put("c-b", ByteBuffer.wrap(b));
            ChunkRef ra = ref("c-a", a, placed);
            ChunkRef rb = ref("c-b", b, placed);
            assertTrue(placed.check(ra, false).ok());
            assertEquals(2, placed.check(ra, false).good());

            // one copy of a deleted, one copy of b overwritten with other bytes of the same length
            PlacedChunkStore.Node aHolder = placed.ranking(ra).get(0);
            assertTrue(aHolder.store().delete("c-a"));
            PlacedChunkStore.Node bHolder = placed.ranking(rb).get(1);
            byte[] evil = b.clone();
            evil[4321] ^= 0x40;
            bHolder.store().delete("c-b");
            bHolder.store().put("c-b", ByteBuffer.wrap(evil));

            ChunkStore.ChunkCheck seen = placed.check(rb, false);
            assertEquals(1, seen.good());
            assertFalse(seen.ok(), "without repair the corrupt copy stays: " + seen);
            assertTrue(seen.problems().toString().contains(bHolder.id() + ": CRC32C"), seen.toString());

            List<dev.strata.core.spi.BlobRecord> blobs = List.of(
                    new dev.strata.core.spi.BlobRecord("sha256:" + "a".repeat(64), a.length, List.of(ra)),
                    new dev.strata.core.spi.BlobRecord("sha256:" + "b".repeat(64), b.length, List.of(rb)));
            List<long[]> progress = new ArrayList<>();
            Scrubber.Summary s = Scrubber.run(placed, v -> { for (var x : blobs) if (!v.test(x)) return; }, true, 0,
                    (bl, ch, by) -> progress.add(new long[] {bl, ch, by}), () -> true);
            assertEquals(2, s.blobs());
            assertEquals(2, s.chunks());
            assertEquals(a.length + b.length, s.bytes());
            assertEquals(2, s.damaged(), s.toString());
            assertEquals(2, s.repaired(), s.toString());
            assertEquals(0, s.unrepaired());
            assertTrue(s.ok());
            assertEquals(2, progress.size());
            assertArrayEquals(a, aHolder.store().read("c-a", 0, a.length), "the deleted copy is back");
            assertArrayEquals(b, bHolder.store().read("c-b", 0, b.length), "the corrupt copy is rewritten");
            assertEquals(0, Scrubber.run(placed, v -> { for (var x : blobs) v.test(x); }, true, 0, (x, y, z) -> { }, () -> true).damaged(),
                    "a second pass finds nothing");

            // both copies corrupt: nothing to repair from, reported and not hidden
            for (PlacedChunkStore.Node n : placed.ranking(rb).subList(0, 2)) {
                n.store().delete("c-b");
                n.store().put("c-b", ByteBuffer.wrap(evil));
            }
            ChunkStore.ChunkCheck lost = placed.check(rb, true);
            assertFalse(lost.ok());
            assertTrue(lost.problems().contains("no good copy on any live node"), lost.toString());
            Scrubber.Summary stillThere = Scrubber.run(placed, List.of(new Scrubber.Source(v -> v.test(blobs.get(1)), d -> true)), true, 0,
                    (x, y, z) -> { }, () -> true);
            assertEquals(1, stillThere.unrepaired(), stillThere.toString());
            Scrubber.Summary collected = Scrubber.run(placed, List.of(new Scrubber.Source(v -> v.test(blobs.get(1)), d -> false)), true, 0,
                    (x, y, z) -> { }, () -> true);
            assertEquals(0, collected.damaged(), "a blob GC deleted during the pass is not damage: " + collected);
            assertTrue(collected.ok());
        }
    }

    /**
     * A chunk written under two nodes is read straight from its recorded nodes after a third is
     * added, whatever today's ranking says; new chunks use all three.
     */
    @Test
    void chunksWrittenUnderAnOldTopologyAreReadThroughIt() {
        Map<String, MemoryChunkStore> mem = new HashMap<>();
        for (String id : List.of("n1", "n2", "n3")) mem.put(id, new MemoryChunkStore());
        PlacedChunkStore two = new PlacedChunkStore(List.of(new PlacedChunkStore.Node("n1", mem.get("n1")),
                new PlacedChunkStore.Node("n2", mem.get("n2"))), 2, 2);
        Map<String, ChunkRef> refs = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            byte[] d = {(byte) i};
            two.put("c-" + i, ByteBuffer.wrap(d));
            refs.put("c-" + i, ref("c-" + i, d, two));
        }
        assertEquals(new dev.strata.core.events.Event.Placement(List.of("n1", "n2"), 2), refs.get("c-0").placement());
        // n3 would rank first for some chunks now; count reads that reach it
        int[] n3Reads = {0};
        ChunkStore n3 = new dev.strata.core.spi.ForwardingChunkStore(mem.get("n3")) {
            @Override public byte[] read(String id, long offset, int length) { n3Reads[0]++; return super.read(id, offset, length); }
        };
        PlacedChunkStore three = new PlacedChunkStore(List.of(new PlacedChunkStore.Node("n1", mem.get("n1")),
                new PlacedChunkStore.Node("n2", mem.get("n2")), new PlacedChunkStore.Node("n3", n3)), 2, 2);
        int wouldMiss = 0;
        for (ChunkRef r : refs.values()) {
            if (three.ranking(r.id()).get(0).id().equals("n3")) wouldMiss++;
            assertArrayEquals(two.read(r.id(), 0, 1), three.read(r, 0, 1), r.id());
            assertEquals("n3", three.ranking(r).get(2).id(), "n3 comes after the recorded nodes");
            assertTrue(three.check(r, false).ok(), "two good copies on the recorded nodes");
        }
        assertTrue(wouldMiss > 0, "today's ranking puts n3 first for some old chunks");
        assertEquals(0, n3Reads[0], "no read went to the node added later");
        for (int i = 0; i < 60; i++) three.put("new-" + i, ByteBuffer.wrap(new byte[] {1}));
        int[] onN3 = {0};
        mem.get("n3").list(null, id -> { onN3[0]++; return true; });
        assertTrue(onN3[0] > 20, "new chunks spread to the new node: " + onN3[0]);
    }

    /**
     * A stopped node is called once, then tried last for {@link PlacedChunkStore#SUSPECT_FOR}:
     * reads go to the other copy and writes to the next live nodes without calling it; after the
     * period one call probes it again; once it answers it is back in its place for new writes.
     */
    @Test
    void aFailingNodeIsTriedLastUntilItAnswersAgain() throws Exception {
        try (Cluster cluster = new Cluster(tempDir.resolve("cluster"))) {
            long[] now = {0};
            List<PlacedChunkStore.Node> nodes = new ArrayList<>();
            List<dev.strata.core.spi.MeteredChunkStore> meters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                var metered = new dev.strata.core.spi.MeteredChunkStore(new HttpChunkStore("http://127.0.0.1:" + cluster.ports[i], Duration.ofSeconds(10)));
                meters.add(metered);
                nodes.add(new PlacedChunkStore.Node("node" + i, metered));
            }
            try (PlacedChunkStore placed = new PlacedChunkStore(nodes, 2, 2, () -> now[0])) {
                dev.strata.core.metrics.Metrics metrics = new dev.strata.core.metrics.Metrics();
                StorageMetrics.export(metrics, dev.strata.core.spi.ChunkStores.decorate(placed));
                assertEquals(List.of(0.0, 0.0, 0.0), suspectGauge(metrics), "nobody suspect before a failure");
                Map<String, byte[]> chunks = new HashMap<>();
                List<String> node1First = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    byte[] data = random(2000 + i, i);
                    chunks.put("c-" + i, data);
                    placed.put("c-" + i, ByteBuffer.wrap(data));
                    if (placed.ranking("c-" + i).get(0).id().equals("node1")) node1First.add("c-" + i);
                }
                assertTrue(node1First.size() >= 2, "some chunks rank node1 first: " + node1First);
                cluster.stop(1);
                long before = calls(meters.get(1));

                for (Map.Entry<String, byte[]> e : chunks.entrySet()) {
                    assertArrayEquals(e.getValue(), placed.read(e.getKey(), 0, e.getValue().length), e.getKey());
                }
                assertEquals(1, calls(meters.get(1)) - before, "the stopped node is called once, then tried last");
                assertEquals(List.of(0.0, 1.0, 0.0), suspectGauge(metrics), "the stopped node is suspect");

                // new writes whose top two include node1 land on the two live nodes, without calling it
                for (int i = 100; i < 120; i++) {
                    placed.put("c-" + i, ByteBuffer.wrap(random(100, i)));
                    assertTrue(cluster.stores[0].size("c-" + i) >= 0 && cluster.stores[2].size("c-" + i) >= 0, "c-" + i + " on both live nodes");
                }
                assertEquals(1, calls(meters.get(1)) - before, "writes pass over the suspect node");

                // after the period one call probes it again (still down: suspect again)
                now[0] += PlacedChunkStore.SUSPECT_FOR.toNanos() + 1;
                String probe = node1First.get(0);
                assertArrayEquals(chunks.get(probe), placed.read(probe, 0, chunks.get(probe).length));
                assertArrayEquals(chunks.get(node1First.get(1)), placed.read(node1First.get(1), 0, chunks.get(node1First.get(1)).length));
                assertEquals(2, calls(meters.get(1)) - before, "one probe per period");
                assertEquals(List.of(0.0, 1.0, 0.0), suspectGauge(metrics), "still down: still suspect");

                // back: the next call after the period reaches it and it takes new writes again
                cluster.start(1);
                now[0] += PlacedChunkStore.SUSPECT_FOR.toNanos() + 1;
                long errors = errors(meters.get(1));
                assertArrayEquals(chunks.get(probe), placed.read(probe, 0, chunks.get(probe).length));
                assertEquals(errors, errors(meters.get(1)), "node1 answered the read of a chunk it ranks first for");
                assertEquals(List.of(0.0, 0.0, 0.0), suspectGauge(metrics), "it answered: no longer suspect");
                String fresh = null;
                for (int i = 200; fresh == null; i++) if (placed.ranking("c-" + i).get(0).id().equals("node1")) fresh = "c-" + i;
                placed.put(fresh, ByteBuffer.wrap(random(100, 7)));
                assertTrue(cluster.stores[1].size(fresh) >= 0, "node1 takes new writes once it answers");
            }
        }
    }

    /** strata_storage_node_suspect of node0, node1, node2 as scraped (a missing series fails). */
    private static List<Double> suspectGauge(dev.strata.core.metrics.Metrics metrics) {
        String scrape = metrics.scrape();
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String series = "strata_storage_node_suspect{node=\"node" + i + "\"} ";
            String line = scrape.lines().filter(l -> l.startsWith(series)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + series + "in\n" + scrape));
            values.add(Double.parseDouble(line.substring(series.length())));
        }
        return values;
    }

    private static long calls(dev.strata.core.spi.MeteredChunkStore m) {
        long n = 0;
        for (dev.strata.core.spi.ChunkStoreMetrics.Op op : dev.strata.core.spi.ChunkStoreMetrics.Op.values()) n += m.calls(op);
        return n;
    }

    private static long errors(dev.strata.core.spi.MeteredChunkStore m) {
        long n = 0;
        for (dev.strata.core.spi.ChunkStoreMetrics.Op op : dev.strata.core.spi.ChunkStoreMetrics.Op.values()) n += m.errors(op);
        return n;
    }
}
