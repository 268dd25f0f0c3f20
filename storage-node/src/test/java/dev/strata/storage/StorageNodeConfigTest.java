package dev.strata.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageNodeConfigTest {
    @TempDir
    Path dir;

    private StorageNodeConfig load(String yaml) throws Exception {
        return StorageNodeConfig.load(Files.writeString(dir.resolve("node.yaml"), yaml));
    }

    private String error(String yaml) {
        return assertThrows(IllegalArgumentException.class, () -> load(yaml)).getMessage();
    }

    @Test
    void rocksDbWithDefaults() throws Exception {
        StorageNodeConfig c = load("data: chunks-a\n");
        assertEquals("rocksdb", c.storage());
        assertEquals(dir.resolve("chunks-a").toAbsolutePath().normalize(), c.data(), "relative to the config file");
        assertEquals("127.0.0.1", c.host());
        assertEquals(7000, c.port());
        assertEquals(16, c.threads());
        assertNull(c.nodeId());
        assertEquals(false, c.fsync(), "off unless set");
    }

    @Test
    void fsyncForRocksDbAndFilesNotRados() throws Exception {
        assertTrue(load("data: d\nfsync: true\n").fsync());
        assertTrue(load("storage: files\ndata: d\nfsync: true\n").fsync());
        Files.writeString(dir.resolve("ceph.conf"), "[global]\n");
        assertTrue(error("storage: rados\nnodeId: n\ncephConf: ceph.conf\nfsync: true\n").contains("durability is the pool's"));
        assertEquals(false, load("storage: rados\nnodeId: n\ncephConf: ceph.conf\nfsync: false\n").fsync());
    }

    @Test
    void filesNodeStoresOneFilePerChunk() throws Exception {
        StorageNodeConfig c = load("listen: 127.0.0.1:0\nstorage: files\ndata: node-f\n");
        assertEquals("files", c.storage());
        byte[] bytes = {1, 2, 3, 4};
        try (StorageNode node = StorageNode.start(c);
             HttpChunkStore client = new HttpChunkStore("http://127.0.0.1:" + node.port(), java.time.Duration.ofSeconds(60))) {
            client.put("c-18bcfe56800-1", java.nio.ByteBuffer.wrap(bytes));
            org.junit.jupiter.api.Assertions.assertArrayEquals(bytes, client.read("c-18bcfe56800-1", 0, 4));
        }
        Path file = c.data().resolve("files").resolve("_c-18bcf").resolve("_c-18bcfe56").resolve("@c-18bcfe56800-1");
        org.junit.jupiter.api.Assertions.assertArrayEquals(bytes, Files.readAllBytes(file));
        assertTrue(Files.exists(c.data().resolve("node-id")));
        assertTrue(!Files.exists(c.data().resolve("chunks")), "no RocksDB store");
    }

    @Test
    void radosWithEverything() throws Exception {
        Files.writeString(dir.resolve("ceph.conf"), "[global]\n");
        StorageNodeConfig c = load("listen: 0.0.0.0:0\nstorage: rados\nnodeId: node-1\ncephConf: ceph.conf\ncephPool: blobs\ncephNamespace: ns\nthreads: 4\n");
        assertEquals(0, c.port());
        assertEquals("blobs", c.rados().pool());
        assertEquals("ns", c.rados().namespace());
        assertEquals(dir.resolve("ceph.conf").toAbsolutePath().normalize(), c.rados().cephConf());
        assertEquals(4, c.threads());
    }

    @Test
    void badConfigsAreClearErrors() throws Exception {
        assertTrue(error("data: x\nlisten: nohost\n").contains("HOST:PORT"));
        assertTrue(error("data: x\nlisten: h:99999\n").contains("0..65535"));
        assertTrue(error("data: x\ntheads: 4\n").contains("theads"), "a misspelt key is rejected, naming it");
        assertTrue(error("storage: rocksdb\n").contains("data"));
        assertTrue(error("storage: s3\ndata: x\n").contains("rocksdb, files or rados"));
        assertTrue(error("storage: rados\ncephConf: ceph.conf\n").contains("nodeId"));
        assertTrue(error("storage: rados\nnodeId: n\ncephConf: missing.conf\n").contains("no such file"));
        assertTrue(error("data: x\ncephPool: p\n").contains("need storage: rados"));
        assertTrue(error("data: x\nthreads: 0\n").contains("threads"));
        assertTrue(error("data: x\nnodeId: a/b\n").contains("nodeId"));
        assertTrue(error("").contains("empty"));
        assertTrue(error("- a\n- b\n").contains("mapping"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StorageNodeConfig.load(dir.resolve("none.yaml"))).getMessage().contains("not found"));
    }

    @Test
    void nodeIdIsKeptInTheDataDirectory() throws Exception {
        String first = StorageNode.persistentNodeId(dir);
        assertTrue(first.startsWith("node-"), first);
        assertEquals(first, StorageNode.persistentNodeId(dir));
    }
}
