package dev.strata.gateway;

import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ManifestService;
import dev.strata.core.spi.UploadService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;

/** What the gateway talks to, and how it calls blocking service methods off the event loop. */
record Services(Vertx vertx, UploadService uploads, ManifestService manifests, ChunkStore chunks, GatewayConfig config) {
    <T> Future<T> blocking(Callable<T> c) {
        return vertx.executeBlocking(c, false);
    }
}
