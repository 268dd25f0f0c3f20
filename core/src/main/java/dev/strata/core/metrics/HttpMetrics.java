package dev.strata.core.metrics;

import java.util.regex.Pattern;

/**
 * The request metrics every Strata HTTP server records, by server, route, method and status:
 * {@code strata_http_requests_total}, {@code strata_http_received_bytes_total} and
 * {@code strata_http_sent_bytes_total}. Routes are a fixed vocabulary chosen by the server (never a
 * raw path), so the number of series stays small.
 *
 * <p>Also the request-id rule: a client's {@value #REQUEST_ID_HEADER} is kept when it is 1..128
 * characters of {@code [A-Za-z0-9._:-]}, otherwise a new random id (32 hex digits) is made. The id is echoed in the
 * response and put into every log line of the request.
 */
public final class HttpMetrics {
    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    /** The key of the request id in the logging context (MDC) and in JSON log lines. */
    public static final String REQUEST_ID_MDC = "requestId";
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private final String server;
    private final Metrics.Counter requests;
    private final Metrics.Counter received;
    private final Metrics.Counter sent;

    public HttpMetrics(Metrics metrics, String server) {
        this.server = server;
        this.requests = metrics.counter("strata_http_requests_total", "HTTP requests answered, by server, route, method and status",
                "server", "route", "method", "status");
        this.received = metrics.counter("strata_http_received_bytes_total", "Request body bytes received, by server and route",
                "server", "route");
        this.sent = metrics.counter("strata_http_sent_bytes_total", "Response body bytes sent, by server and route",
                "server", "route");
    }

    /** Records one answered request. */
    public void record(String route, String method, int status, long bytesIn, long bytesOut) {
        requests.inc(server, route, method, Integer.toString(status));
        if (bytesIn > 0) received.add(bytesIn, server, route);
        if (bytesOut > 0) sent.add(bytesOut, server, route);
    }

    /**
     * The client's request id when acceptable, else a new random one (32 hex digits). Not a
     * secret, so ThreadLocalRandom: SecureRandom-backed UUIDs cost a large share of a cheap request.
     */
    public static String requestId(String fromClient) {
        if (fromClient != null && fromClient.length() <= 128 && REQUEST_ID.matcher(fromClient).matches()) return fromClient;
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        return hex16(r.nextLong()) + hex16(r.nextLong());
    }

    private static String hex16(long v) {
        String h = Long.toHexString(v);
        return h.length() == 16 ? h : "0".repeat(16 - h.length()) + h;
    }
}
