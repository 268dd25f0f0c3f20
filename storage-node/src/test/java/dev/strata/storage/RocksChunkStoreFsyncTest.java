package dev.strata.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ChunkStoreConformance;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;

/**
 * {@link RocksChunkStore} with fsync: the whole {@link ChunkStore} contract, and RocksDB's own
 * counter of WAL syncs ({@code WAL_FILE_SYNCED}) showing one sync per put, none without fsync.
 */
class RocksChunkStoreFsyncTest extends ChunkStoreConformance {
    @Override
    protected ChunkStore newStore(Path dir) {
        return new RocksChunkStore(dir, true);
    }

    @Override
    protected boolean persistent() {
        return true;
    }

    /** WAL syncs counted while {@code puts} chunks go into a fresh store with the given fsync setting (before it closes). */
    private long walSyncs(boolean fsync, int puts, String name) {
        try (Statistics stats = new Statistics()) {
            RocksChunkStore s = new RocksChunkStore(tempDir.resolve(name), fsync, stats);
            try {
                long before = stats.getTickerCount(TickerType.WAL_FILE_SYNCED);
                for (int i = 0; i < puts; i++) {
                    s.put(ChunkStore.newUploadChunkId(1_700_000_000_000L + i), ByteBuffer.allocateDirect(128 * 1024));
                }
                s.put(ChunkStore.newUploadChunkId(1_800_000_000_000L), ByteBuffer.wrap(new byte[100])); // heap path too
                return stats.getTickerCount(TickerType.WAL_FILE_SYNCED) - before;
            } finally {
                s.close();
            }
        }
    }

    @Test
    void eachPutSyncsTheWal() {
        assertEquals(6, walSyncs(true, 5, "synced"), "one WAL sync per put");
    }

    @Test
    void withoutFsyncNoPutSyncsTheWal() {
        assertEquals(0, walSyncs(false, 5, "unsynced"));
    }
}
