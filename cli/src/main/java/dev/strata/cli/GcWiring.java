package dev.strata.cli;

import dev.strata.core.log.EventLog;
import dev.strata.core.log.Position;
import dev.strata.core.metrics.Metrics;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.KvStore;
import dev.strata.gc.GcConfig;
import dev.strata.gc.GcService;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Builds and starts the gc-service the same way for {@code strata serve} (in-process calls to the
 * other services) and for {@code strata gc-service} (their internal HTTP APIs): only the
 * {@link Peers} differ. The live upload sessions (orphan chunks) come from the gc projection itself.
 */
final class GcWiring {
    private GcWiring() {}

    /**
     * What the gc-service needs from the other services.
     *
     * @param exclusively    runs a task inside the GC fence (in-process: the manifest-service's lock;
     *                       across processes: the task itself, the fence being the validation window)
     * @param awaitBlobIndex returns once the blob index has applied a position (across processes: nothing)
     * @param fenceWait      how long a pass waits after scheduling deletions before it looks again
     *                       (in-process: zero; across processes: see {@link GcService})
     * @param expireUploads  cancels upload sessions idle this long (upload-service)
     * @param manifests      deletes a manifest for retention under its repository's lock
     *                       (manifest-service); null: untagged manifests are never deleted
     */
    record Peers(Consumer<Runnable> exclusively, Consumer<Position> awaitBlobIndex, Duration fenceWait,
                 Function<Duration, List<String>> expireUploads, GcService.ManifestRemover manifests) {}

    /**
     * A started gc-service: its projection caught up, the online passes running when
     * {@code config.interval()} is not zero, its metrics in {@code metrics} (when not null).
     * Closed again if it fails to start.
     */
    static GcService start(EventLog events, KvStore store, ChunkStore chunks, Clock clock, GcConfig config, Duration timeout,
                           Peers peers, Metrics metrics) {
        GcService gc = new GcService(events, store, chunks, clock, config, timeout, peers.exclusively(), peers.awaitBlobIndex(), peers.fenceWait(),
                peers.expireUploads());
        try {
            if (metrics != null) gc.monitoring(metrics);
            if (peers.manifests() != null) gc.manifests(peers.manifests());
            return gc.start();
        } catch (RuntimeException | Error e) {
            gc.close();
            throw e;
        }
    }
}
