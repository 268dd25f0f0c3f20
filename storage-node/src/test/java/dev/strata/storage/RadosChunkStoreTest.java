package dev.strata.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.CephTestCluster;
import dev.strata.core.spi.ChunkStoreConformance;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite against a real Ceph cluster (deploy/ceph/start.sh; bin/test starts one).
 * Each test gets its own RADOS namespace, derived from its temporary directory, and empties it
 * afterwards (memstore keeps everything in RAM).
 */
class RadosChunkStoreTest extends ChunkStoreConformance {
    @BeforeAll
    static void requireCluster() {
        CephTestCluster.require();
    }

    @Override
    protected ChunkStore newStore(Path dir) {
        return new RadosChunkStore(RadosConfig.of(CephTestCluster.conf(), CephTestCluster.pool(), namespaceFor(dir)));
    }

    static String namespaceFor(Path dir) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(dir.toString().getBytes(StandardCharsets.UTF_8));
            return "test-" + HexFormat.of().formatHex(h, 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected boolean persistent() {
        return true;
    }

    @AfterEach
    void emptyNamespace() {
        // with a store of its own: the test may have closed the one under test
        try (ChunkStore s = newStore(storeDir())) {
            List<String> ids = new ArrayList<>();
            s.list(null, ids::add);
            for (String id : ids) s.delete(id);
        }
    }

    @Test
    void useAfterCloseIsAnErrorNotACrash() {
        store.put("x", ByteBuffer.wrap(new byte[] {1}));
        store.close();
        assertThrows(IllegalStateException.class, () -> store.size("x"));
        assertThrows(IllegalStateException.class, () -> store.read("x", 0, 1));
        assertThrows(IllegalStateException.class, () -> store.put("y", ByteBuffer.wrap(new byte[] {1})));
        assertThrows(IllegalStateException.class, () -> store.delete("x"));
        assertThrows(IllegalStateException.class, () -> store.list(null, id -> true));
    }

    @Test
    void namespacesIsolateStores() {
        store.put("shared-name", ByteBuffer.wrap(new byte[] {1}));
        try (ChunkStore other = new RadosChunkStore(RadosConfig.of(CephTestCluster.conf(), CephTestCluster.pool(), namespaceFor(storeDir()) + "-other"))) {
            assertEquals(-1, other.size("shared-name"));
            other.put("shared-name", ByteBuffer.wrap(new byte[] {2, 2}));
            assertEquals(2, other.size("shared-name"));
            assertEquals(1, store.size("shared-name"));
            assertTrue(other.delete("shared-name"));
        }
    }

    @Test
    void missingPoolIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RadosChunkStore(RadosConfig.of(CephTestCluster.conf(), "no-such-pool-" + System.nanoTime(), "")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void badConfigIsAClearError() {
        assertThrows(IllegalArgumentException.class, () -> RadosConfig.of(tempDir.resolve("missing.conf"), "strata", ""));
        assertThrows(IllegalArgumentException.class, () -> RadosConfig.of(CephTestCluster.conf(), "bad/pool", ""));
        assertThrows(IllegalArgumentException.class, () -> RadosConfig.of(CephTestCluster.conf(), "strata", "bad ns"));
    }

    @Test
    void unreachableClusterTimesOut() throws Exception {
        // a ceph.conf naming a monitor that does not exist: connect fails within the timeout instead of hanging
        Path conf = tempDir.resolve("nowhere.conf");
        java.nio.file.Files.writeString(conf, "[global]\nmon host = 127.0.0.1:9\nauth client required = none\n");
        RadosConfig c = new RadosConfig(conf, "strata", "", "admin", java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(2));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new RadosChunkStore(c));
        assertTrue(e.getMessage().contains("cannot connect to Ceph"), e.getMessage());
    }
}
