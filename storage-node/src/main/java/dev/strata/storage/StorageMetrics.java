package dev.strata.storage;

import dev.strata.core.metrics.ChunkStoreMonitor;
import dev.strata.core.metrics.Metrics;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ChunkStores;

/** What a process exports about the chunk store it uses; every wiring that opens one calls {@link #export}. */
public final class StorageMetrics {
    private StorageMetrics() {}

    /**
     * The chunk-store counters ({@link ChunkStoreMonitor}) and, when the store spreads chunks over
     * storage nodes ({@link PlacedChunkStore}, possibly behind decorators),
     * {@code strata_storage_node_suspect{node}}: 1 for a node whose last call failed and which has not
     * answered since, else 0; one series per configured node, so the label is bounded by the config.
     */
    public static void export(Metrics metrics, ChunkStore store) {
        ChunkStoreMonitor.register(metrics, store);
        PlacedChunkStore placed = ChunkStores.find(store, PlacedChunkStore.class);
        if (placed == null) return;
        metrics.gauge("strata_storage_node_suspect",
                "1 while a storage node is suspect (its last call from this process failed and it has not answered since; tried last), else 0",
                new String[] {"node"}, sink -> placed.suspects().forEach((node, suspect) -> sink.sample(suspect ? 1 : 0, node)));
    }
}
