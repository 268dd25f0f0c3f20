package dev.strata.core.spi;

import java.nio.file.Path;

class MemoryChunkStoreTest extends ChunkStoreConformance {
    @Override
    protected ChunkStore newStore(Path dir) {
        return new MemoryChunkStore();
    }
}
