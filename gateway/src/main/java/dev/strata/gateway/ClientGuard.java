package dev.strata.gateway;

import dev.strata.core.oci.OciError;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Per-client limits: a token bucket of requests per client (429 TOOMANYREQUESTS with Retry-After
 * when empty) and a cap on upload requests in flight per client. A client is the connection's
 * remote IP address.
 */
final class ClientGuard {
    private static final int MAX_TRACKED = 100_000;
    private final GatewayLimits limits;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> uploads = new ConcurrentHashMap<>();

    ClientGuard(GatewayLimits limits) {
        this.limits = limits;
    }

    static String client(HttpServerRequest req) {
        return req.remoteAddress() == null ? "?" : req.remoteAddress().hostAddress();
    }

    /** Takes one request from the client's bucket; TOO_MANY_REQUESTS (with Retry-After set) when empty. */
    void admit(HttpServerRequest req) {
        double rate = limits.requestsPerSecondPerClient();
        if (rate <= 0) return;
        long now = System.nanoTime();
        if (buckets.size() > MAX_TRACKED) buckets.values().removeIf(b -> b.idleSince(now, rate, limits.burstPerClient()));
        Bucket b = buckets.computeIfAbsent(client(req), k -> new Bucket(limits.burstPerClient(), now));
        double wait = b.take(now, rate, limits.burstPerClient());
        if (wait > 0) {
            long seconds = Math.max(1, (long) Math.ceil(wait));
            req.response().putHeader("Retry-After", Long.toString(seconds));
            throw OciError.TOO_MANY_REQUESTS.exception("request rate limit of " + rate + "/s per client exceeded; retry after "
                    + seconds + " s");
        }
    }

    /**
     * Counts an upload request with a body against the client's cap; the returned (idempotent)
     * release must run when its response ends or its connection closes. TOO_MANY_REQUESTS (with
     * Retry-After) past the cap.
     */
    Runnable startUpload(HttpServerRequest req) {
        String client = client(req);
        int max = limits.maxUploadsPerClient();
        boolean[] admitted = new boolean[1];
        uploads.compute(client, (k, v) -> {
            int n = v == null ? 0 : v;
            admitted[0] = n < max;
            return admitted[0] ? Integer.valueOf(n + 1) : v;
        });
        if (!admitted[0]) {
            req.response().putHeader("Retry-After", "1");
            throw OciError.TOO_MANY_REQUESTS.exception("more than " + max + " uploads in flight from this client");
        }
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) uploads.computeIfPresent(client, (k, v) -> v <= 1 ? null : v - 1);
        };
    }

    /** Uploads in flight for a client. */
    int uploadsInFlight(String client) {
        return uploads.getOrDefault(client, 0);
    }

    private static final class Bucket {
        private double tokens;
        private long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }

        /** Takes a token; returns 0 when taken, else the seconds until one is available. */
        synchronized double take(long now, double rate, int burst) {
            tokens = Math.min(burst, tokens + (now - at) / 1e9 * rate);
            at = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (1 - tokens) / rate;
        }

        synchronized boolean idleSince(long now, double rate, int burst) {
            return tokens + (now - at) / 1e9 * rate >= burst;
        }
    }
}
