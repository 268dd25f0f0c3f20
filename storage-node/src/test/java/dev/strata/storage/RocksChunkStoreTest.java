package dev.strata.storage;

import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ChunkStoreConformance;
import java.nio.file.Path;

class RocksChunkStoreTest extends ChunkStoreConformance {
    @Override
    protected ChunkStore newStore(Path dir) {
        return new RocksChunkStore(dir);
    }

    @Override
    protected boolean persistent() {
        return true;
    }
}
