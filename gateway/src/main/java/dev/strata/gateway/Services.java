package dev.strata.gateway;

import dev.strata.core.oci.Digest;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.Quotas;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import dev.strata.core.spi.ManifestService;
import dev.strata.core.spi.UploadService;
import dev.strata.gateway.auth.Authority;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;

/**
 * What the gateway talks to, and how it calls blocking service methods off the event loop.
 * {@code authority} is null when auth is off.
 */
record Services(Vertx vertx, UploadService uploads, ManifestService manifests, ChunkStore chunks, GatewayConfig config,
                AtomicReference<Quotas> quotas, Authority authority) {
    /** DENIED when the additions would take the repository's namespace over its quota (if quotas are on). */
    void checkQuota(String repository, Map<Digest, Long> additions) {
        Quotas q = quotas.get();
        if (q != null) q.check(repository, additions);
    }

    <T> Future<T> blocking(Callable<T> c) {
        return vertx.executeBlocking(c, false);
    }
}
