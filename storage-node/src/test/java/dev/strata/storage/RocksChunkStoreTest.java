package dev.strata.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ChunkStoreConformance;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class RocksChunkStoreTest extends ChunkStoreConformance {
    @Override
    protected ChunkStore newStore(Path dir) {
        return new RocksChunkStore(dir);
    }

    @Override
    protected boolean persistent() {
        return true;
    }

    /**
     * A store written before chunks had length keys (chunk values only, as the first versions wrote
     * them) is indexed when opened: size, list and delete see its chunks, and new puts mix in.
     */
    @Test
    void aStoreWithoutLengthKeysIsIndexedWhenOpened() throws Exception {
        Path dir = tempDir.resolve("old");
        byte[] big = new byte[300_000];
        new java.util.Random(3).nextBytes(big);
        try (Options o = new Options().setCreateIfMissing(true).setEnableBlobFiles(true).setMinBlobSize(64 * 1024);
             RocksDB db = RocksDB.open(o, dir.toString())) {
            db.put("old-a".getBytes(StandardCharsets.US_ASCII), big);
            db.put("old-b".getBytes(StandardCharsets.US_ASCII), new byte[] {1, 2, 3});
        }
        try (ChunkStore s = dev.strata.core.spi.ChunkStores.decorate(new RocksChunkStore(dir))) {
            assertEquals(big.length, s.size("old-a"));
            assertEquals(3, s.size("old-b"));
            s.put("new-c", ByteBuffer.wrap(new byte[] {9}));
            List<String> ids = new ArrayList<>();
            s.list(null, ids::add);
            assertEquals(List.of("new-c", "old-a", "old-b"), ids);
            assertArrayEquals(big, s.read("old-a", 0, big.length));
            assertTrue(s.delete("old-b"));
            assertEquals(-1, s.size("old-b"));
        }
        try (ChunkStore s = new RocksChunkStore(dir)) { // indexed once; the keys persist
            List<String> ids = new ArrayList<>();
            s.list("new-c", ids::add);
            assertEquals(List.of("old-a"), ids);
            assertEquals(1, s.size("new-c"));
        }
    }
}
