package dev.strata.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        PlacedChunkStore placed = (PlacedChunkStore) store;
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
}
