package dev.strata.core.metrics;

import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ChunkStoreMetrics;
import dev.strata.core.spi.ChunkStoreMetrics.Op;
import dev.strata.core.spi.ChunkStores;
import java.util.Locale;

/**
 * Exports the counters of a chunk store's metrics decorator ({@link ChunkStores#decorate}) on a
 * process's {@link Metrics}, read at scrape time. Labels are bounded: the operation (put, read,
 * size, delete, list, check), the outcome (ok, error), the direction of bytes (written, read);
 * never a chunk id.
 * <ul>
 *   <li>{@code strata_chunk_store_operations_total{operation,outcome}}</li>
 *   <li>{@code strata_chunk_store_operation_seconds_total{operation}}: time spent, failed calls included</li>
 *   <li>{@code strata_chunk_store_operation_max_seconds{operation}}: the longest single call since start</li>
 *   <li>{@code strata_chunk_store_bytes_total{direction}}: bytes of successful puts and reads</li>
 * </ul>
 */
public final class ChunkStoreMonitor {
    private ChunkStoreMonitor() {}

    /** Registers the series for {@code store}; a store without the metrics decorator exports nothing. */
    public static void register(Metrics metrics, ChunkStore store) {
        ChunkStoreMetrics m = ChunkStores.metrics(store);
        if (m == null) return;
        metrics.counterFunction("strata_chunk_store_operations_total",
                "Chunk-store calls of this process by operation (put, read, size, delete, list, check) and outcome (ok, error)",
                new String[] {"operation", "outcome"}, sink -> {
                    for (Op op : Op.values()) {
                        sink.sample(m.ok(op), name(op), "ok");
                        sink.sample(m.errors(op), name(op), "error");
                    }
                });
        metrics.counterFunction("strata_chunk_store_operation_seconds_total",
                "Time spent in chunk-store calls of this process by operation, failed calls included",
                new String[] {"operation"}, sink -> {
                    for (Op op : Op.values()) sink.sample(m.nanos(op) / 1e9, name(op));
                });
        metrics.gauge("strata_chunk_store_operation_max_seconds",
                "Longest single chunk-store call of this process since it started, by operation",
                new String[] {"operation"}, sink -> {
                    for (Op op : Op.values()) sink.sample(m.maxNanos(op) / 1e9, name(op));
                });
        metrics.counterFunction("strata_chunk_store_bytes_total",
                "Chunk bytes this process stored (successful puts) and read (successful reads)",
                new String[] {"direction"}, sink -> {
                    sink.sample(m.bytesWritten(), "written");
                    sink.sample(m.bytesRead(), "read");
                });
    }

    private static String name(Op op) {
        return op.name().toLowerCase(Locale.ROOT);
    }
}
