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
        return find(store, ChunkStoreMetrics.class);
    }

    /** The first of {@code store} and the stores it decorates that is a {@code type}, or null. */
    public static <T> T find(ChunkStore store, Class<T> type) {
        ChunkStore s = store;
        while (s != null) {
            if (type.isInstance(s)) return type.cast(s);
            s = s instanceof ForwardingChunkStore f ? f.inner() : null;
        }
        return null;
    }
}
