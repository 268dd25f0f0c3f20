package dev.strata.core.rpc;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.core.oci.OciError;
import dev.strata.core.oci.OciException;
import dev.strata.core.util.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls {@link InternalServer} operations on any of several instances of one service.
 *
 * <ul>
 *   <li>Each call starts at the next instance (round-robin) and moves to the next on failure.</li>
 *   <li>A request that never reached an instance (connection refused or connect timeout) is always
 *       tried on the next one. A request that may have been applied (a timeout after sending, a
 *       broken connection, a 503) is retried only when the operation is idempotent: the services
 *       make their commands so (an append names its expected offset, a commit is recognised by its
 *       upload id), so a retried command never applies twice.</li>
 *   <li>Each attempt has the per-request timeout; the whole call ends by its deadline with
 *       UNAVAILABLE (503, the spec's error body), never a hang, and after {@link #UNREACHABLE_GRACE}
 *       when no instance accepts connections at all.</li>
 *   <li>Once every instance has answered 503 in one call (all of them lack a dependency, such as
 *       the event log), the call ends with the last instance's error as it answered it, instead of
 *       trying them again until the deadline.</li>
 * </ul>
 * Errors the service answered (404, 416, ...) come back as the same {@link OciException}.
 */
public final class InternalClient {
    private static final Logger LOG = LoggerFactory.getLogger(InternalClient.class);
    /** How long a call keeps trying when no instance accepts connections at all (a restart in progress). */
    static final Duration UNREACHABLE_GRACE = Duration.ofSeconds(5);
    private final String service;
    private final List<URI> endpoints;
    private final Duration requestTimeout;
    private final Duration deadline;
    private final HttpClient http;
    private final AtomicInteger next = new AtomicInteger();

    /**
     * @param service        what the instances are, for messages (e.g. upload-service)
     * @param endpoints      base URLs http(s)://HOST:PORT of its instances
     * @param requestTimeout bound of one attempt
     * @param deadline       bound of a whole call with its retries
     */
    public InternalClient(String service, List<String> endpoints, Duration requestTimeout, Duration deadline) {
        this(service, endpoints, requestTimeout, deadline, null);
    }

    /** As above; {@code ssl} (trusting the internal CA) is required for https:// endpoints. */
    public InternalClient(String service, List<String> endpoints, Duration requestTimeout, Duration deadline, javax.net.ssl.SSLContext ssl) {
        if (endpoints == null || endpoints.isEmpty()) throw new IllegalArgumentException(service + ": no endpoints");
        this.service = service;
        this.endpoints = endpoints.stream().map(e -> {
            return InternalTls.checkBase(service, e.endsWith("/") ? e.substring(0, e.length() - 1) : e, ssl);
        }).toList();
        this.requestTimeout = requestTimeout;
        this.deadline = deadline;
        this.http = InternalTls.client(ssl)
                .connectTimeout(Duration.ofMillis(Math.min(2000, requestTimeout.toMillis()))).build();
        this.next.set((int) (Math.random() * 1000));
    }

    public List<URI> endpoints() { return endpoints; }

    /** Calls {@code op} with {@code args} (a record or map) and reads the result as {@code type}. */
    public <T> T call(String op, Object args, Class<T> type, boolean idempotent) {
        return call(op, args, Json.MAPPER.constructType(type), idempotent);
    }

    public <T> T call(String op, Object args, JavaType type, boolean idempotent) {
        JsonNode node = callRaw(op, args, idempotent);
        if (node == null || node.isNull()) return null;
        try {
            return Json.MAPPER.treeToValue(node, type);
        } catch (IOException e) {
            throw new OciException(OciError.INTERNAL, service + " answered " + op + " with an unreadable result: " + e.getMessage(), e);
        }
    }

    /** The call with the result as a JSON tree. */
    public JsonNode callRaw(String op, Object args, boolean idempotent) {
        byte[] body = Json.write(args == null ? java.util.Map.of() : args);
        String requestId = UUID.randomUUID().toString();
        long begin = System.nanoTime();
        long end = begin + deadline.toNanos();
        boolean reachedAny = false;
        int unavailableAnswers = 0;
        String last = "no attempt";
        int start = Math.floorMod(next.getAndIncrement(), endpoints.size());
        for (int attempt = 0; ; attempt++) {
            URI base = endpoints.get((start + attempt) % endpoints.size());
            long left = end - System.nanoTime();
            if (left <= 0) break;
            HttpRequest req = HttpRequest.newBuilder(base.resolve(InternalServer.PREFIX + op))
                    .timeout(Duration.ofNanos(Math.min(left, requestTimeout.toNanos())))
                    .header("Content-Type", "application/json").header(InternalServer.REQUEST_ID, requestId)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            boolean mayHaveApplied;
            try {
                HttpResponse<byte[]> r = dev.strata.core.util.BoundedHttp.send(http, req, HttpResponse.BodyHandlers.ofByteArray(),
                        Duration.ofNanos(Math.min(left, requestTimeout.toNanos())).plusSeconds(1));
                reachedAny = true;
                if (r.statusCode() == 200) return Json.MAPPER.readTree(r.body());
                OciException e = error(r);
                if (e.error() != OciError.UNAVAILABLE) throw e;
                if (++unavailableAnswers >= endpoints.size() && idempotent) throw e;
                last = base + ": " + e.getMessage();
                mayHaveApplied = true;
            } catch (ConnectException | HttpConnectTimeoutException e) {
                last = base + ": cannot connect (" + e.getClass().getSimpleName() + ")";
                mayHaveApplied = false;
            } catch (IOException e) {
                last = base + ": " + e;
                mayHaveApplied = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw OciError.UNAVAILABLE.exception("interrupted while calling " + service);
            }
            if (mayHaveApplied && !idempotent) {
                throw OciError.UNAVAILABLE.exception(service + " failed during " + op + " (" + last + "); not retried, it may have applied");
            }
            LOG.debug("{} {} attempt {} failed: {}", service, op, attempt + 1, last);
            if (!reachedAny && System.nanoTime() - begin > UNREACHABLE_GRACE.toNanos()) {
                throw OciError.UNAVAILABLE.exception("no instance of " + service + " reachable for " + op + ": " + last);
            }
            if ((attempt + 1) % endpoints.size() == 0) pause(end);
        }
        throw OciError.UNAVAILABLE.exception(service + " unavailable for " + op + " within " + deadline.toMillis() + " ms: " + last);
    }

    /**
     * Null when at least one instance answers {@code GET /readyz} with 200 within {@code timeout}
     * (all are asked at once), else one line: each instance and why it is not ready (its checks'
     * reasons, or that it did not answer).
     */
    public String notReady(Duration timeout) {
        List<java.util.concurrent.CompletableFuture<String>> answers = endpoints.stream().map(base -> http.sendAsync(
                        HttpRequest.newBuilder(base.resolve(dev.strata.core.metrics.Monitoring.READYZ)).timeout(timeout).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray())
                .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .handle((r, err) -> err != null ? base + " did not answer (" + dev.strata.core.log.LogStatus.describe(err) + ")"
                        : r.statusCode() == 200 ? null : base + " " + reasons(r.body()))).toList();
        List<String> why = new java.util.ArrayList<>();
        for (var a : answers) {
            String w = a.join();
            if (w == null) return null;
            why.add(w);
        }
        return service + " not ready: " + String.join("; ", why);
    }

    /** The reasons of a /readyz body: each failing check as "name: reason". */
    private static String reasons(byte[] body) {
        try {
            List<String> out = new java.util.ArrayList<>();
            Json.MAPPER.readTree(body).path("checks").fields().forEachRemaining(e -> {
                if (!"ok".equals(e.getValue().asText())) out.add(e.getKey() + ": " + e.getValue().asText());
            });
            return out.isEmpty() ? "not ready" : String.join(", ", out);
        } catch (IOException e) {
            return "answered an unreadable /readyz";
        }
    }

    /** After trying every instance once: back off a little before the next round (bounded by the deadline). */
    private static void pause(long end) {
        long ms = Math.min(250, Math.max(0, (end - System.nanoTime()) / 1_000_000));
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OciError.UNAVAILABLE.exception("interrupted");
        }
    }

    private OciException error(HttpResponse<byte[]> r) {
        try {
            JsonNode e = Json.MAPPER.readTree(r.body()).path("errors").path(0);
            String name = e.path("detail").path("error").asText(null);
            OciError error = name == null ? null : OciError.valueOf(name);
            if (error != null) return new OciException(error, e.path("message").asText(null));
        } catch (IOException | IllegalArgumentException ignored) {
            // not our error body
        }
        return OciError.UNAVAILABLE.exception(service + " answered HTTP " + r.statusCode());
    }
}
