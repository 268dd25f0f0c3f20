package dev.strata.storage;

import dev.strata.core.spi.KvStore;
import dev.strata.core.spi.KvStoreConformance;
import java.nio.file.Path;

class RocksKvStoreTest extends KvStoreConformance {
    @Override
    protected KvStore newStore(Path dir) {
        return new RocksKvStore(dir);
    }

    @Override
    protected boolean persistent() {
        return true;
    }
}
