package dev.strata.core.spi;

import java.nio.file.Path;

class MemoryKvStoreTest extends KvStoreConformance {
    @Override
    protected KvStore newStore(Path dir) {
        return new MemoryKvStore();
    }
}
