package dev.strata.gateway;

import dev.strata.core.oci.OciError;
import dev.strata.core.oci.OciException;
import dev.strata.core.util.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Response helpers shared by the handlers, and the one place errors are rendered. */
final class Http {
    private static final Logger LOG = LoggerFactory.getLogger(Http.class);
    static final String API_VERSION = "Docker-Distribution-API-Version";
    static final String CONTENT_DIGEST = "Docker-Content-Digest";
    static final String UPLOAD_UUID = "Docker-Upload-UUID";

    private Http() {}

    /** Renders any failure as the spec's {"errors":[...]} body. Unexpected exceptions are 500s, logged. */
    static void fail(HttpServerRequest req, Throwable t) {
        OciException e = toOci(t);
        HttpServerResponse resp = req.response();
        if (resp.ended() || resp.closed()) return;
        if (resp.headWritten()) {
            resp.reset();
            return;
        }
        if (e.error() == OciError.INTERNAL) {
            // often called from an async callback: put the request's id back into the log context
            String id = resp.headers().get(dev.strata.core.metrics.HttpMetrics.REQUEST_ID_HEADER);
            if (id != null) org.slf4j.MDC.put(dev.strata.core.metrics.HttpMetrics.REQUEST_ID_MDC, id);
            try {
                LOG.error("{} {} failed", req.method(), req.path(), t);
            } finally {
                if (id != null) org.slf4j.MDC.remove(dev.strata.core.metrics.HttpMetrics.REQUEST_ID_MDC);
            }
        }
        byte[] body = Json.write(Map.of("errors", List.of(Map.of(
                "code", e.error().code(),
                "message", e.detail() == null ? e.error().message() : e.detail(),
                "detail", Map.of()))));
        boolean unreadBody = !req.isEnded() && Gateway.hasBody(req);
        if (!req.isEnded() && !unreadBody) req.resume();
        resp.setStatusCode(e.error().status())
                .putHeader("Content-Type", "application/json")
                .putHeader("Content-Length", Integer.toString(body.length));
        // a body we did not read is not drained (it may be huge): the connection is closed instead
        if (unreadBody) resp.putHeader("Connection", "close");
        var ended = req.method() == io.vertx.core.http.HttpMethod.HEAD ? resp.end() : resp.end(Buffer.buffer(body));
        if (unreadBody) ended.onComplete(x -> req.connection().close());
    }

    /** Who is making the request, for tag history: no authentication yet, so the client's address. */
    static String actor(HttpServerRequest req) {
        return actor(req, null);
    }

    /** Who did it, for tag history and audit: the token's user when auth is on, else anonymous; at the client address. */
    static String actor(HttpServerRequest req, dev.strata.gateway.auth.Caller caller) {
        var a = req.remoteAddress();
        String who = caller == null || caller.unrestricted() || caller.subject() == null ? "anonymous" : caller.subject();
        return who + "@" + (a == null ? "unknown" : a.hostAddress());
    }

    static OciException toOci(Throwable t) {
        if (t instanceof OciException o) return o;
        if (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) return toOci(t.getCause());
        return new OciException(OciError.INTERNAL, "internal error", t);
    }

    static void json(HttpServerResponse resp, int status, String contentType, Object body) {
        byte[] b = Json.write(body);
        resp.setStatusCode(status).putHeader("Content-Type", contentType)
                .putHeader("Content-Length", Integer.toString(b.length)).end(Buffer.buffer(b));
    }

    static void empty(HttpServerResponse resp, int status) {
        resp.setStatusCode(status).putHeader("Content-Length", "0").end();
    }

    /** The media type without parameters, or null. */
    static String mediaType(String contentType) {
        if (contentType == null) return null;
        int semi = contentType.indexOf(';');
        String t = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
        return t.isEmpty() ? null : t;
    }

    /** Parses the n query parameter: absent → max; non-numeric or negative → PAGINATION_NUMBER_INVALID. */
    static int pageSize(HttpServerRequest req, int max) {
        String n = req.getParam("n");
        if (n == null || n.isEmpty()) return max;
        try {
            int v = Integer.parseInt(n);
            if (v < 0) throw OciError.PAGINATION_NUMBER_INVALID.exception("n must not be negative");
            return Math.min(v, max);
        } catch (NumberFormatException e) {
            throw OciError.PAGINATION_NUMBER_INVALID.exception("n must be a number: " + (n.length() > 20 ? n.substring(0, 20) : n));
        }
    }

    /**
     * What the request's {@code Range} asks of a representation of {@code size} bytes whose entity
     * tag is {@code etag} (null: none): ranges apply to GET only (RFC 9110 section 14.2), and only
     * while {@code If-Range} names this representation. Never {@link ByteRanges.Kind#UNSATISFIABLE}:
     * that throws RANGE_NOT_SATISFIABLE (416) with {@code Content-Range: bytes *}{@code /size} put on
     * the response.
     */
    static ByteRanges ranges(HttpServerRequest req, String etag, long size) {
        boolean applies = req.method() == io.vertx.core.http.HttpMethod.GET && ByteRanges.ifRangeHolds(req.getHeader("If-Range"), etag);
        ByteRanges ranges = ByteRanges.of(applies ? req.getHeader("Range") : null, size);
        if (ranges.kind() == ByteRanges.Kind.UNSATISFIABLE) {
            req.response().putHeader("Content-Range", "bytes */" + size);
            throw OciError.RANGE_NOT_SATISFIABLE.exception("range " + clip(req.getHeader("Range")) + " not satisfiable for " + size + " bytes");
        }
        return ranges;
    }

    /** A client-sent value cut to 100 characters, for an error message. */
    static String clip(String s) {
        return s == null || s.length() <= 100 ? s : s.substring(0, 100) + "...";
    }

    static long contentLength(HttpServerRequest req) {
        String cl = req.getHeader("Content-Length");
        if (cl == null) return -1;
        try {
            return Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
            throw OciError.SIZE_INVALID.exception("invalid Content-Length");
        }
    }
}
