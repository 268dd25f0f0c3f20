package dev.strata.core.spi;

/** The decorator stack every wiring puts around a chunk-store backend. */
public final class ChunkStores {
    private ChunkStores() {}

    /**
     * {@code backend} behind validation (bad arguments never reach it) and metrics (every call,
     * rejected ones included, is counted). {@link #metrics} finds the counters again.
     */
    public static MeteredChunkStore decorate(ChunkStore backend) {
        return new MeteredChunkStore(new ValidatingChunkStore(backend));
    }

    /** The metrics of a store built by {@link #decorate}, or null when it has none. */
    public static ChunkStoreMetrics metrics(ChunkStore store) {
        ChunkStore s = store;
        while (s != null) {
            if (s instanceof ChunkStoreMetrics m) return m;
            s = s instanceof ForwardingChunkStore f ? f.inner() : null;
        }
        return null;
    }
}
