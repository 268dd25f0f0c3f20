package dev.strata.gateway;

import dev.strata.core.oci.OciError;
import dev.strata.core.oci.Reference;
import dev.strata.core.spi.ImageInspector;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Pattern;

/**
 * The inspector API under /strata/v1/repositories/&lt;name&gt;/manifests/&lt;ref&gt;/: {@code history},
 * {@code fs?path=}, {@code fs/file?path=} (streamed, with Range) and {@code diff?from=}; each takes
 * {@code ?platform=os/arch[/variant]} to pick the child of an index. Same access as pulls.
 */
final class InspectHandler {
    static final Pattern ROUTE = Pattern.compile("/strata/v1/repositories/(.+)/manifests/([^/]+)/(history|fs/file|fs|diff)");
    private static final Pattern PLATFORM = Pattern.compile("[a-z0-9._-]{1,32}(/[a-zA-Z0-9._-]{1,32}){1,2}");
    /** Bytes read from the layer per step while streaming a file. */
    static final int SEGMENT = 256 << 10;

    private final Services s;

    InspectHandler(Services s) {
        this.s = s;
    }

    /**
     * {@code r} is authorised (pull) and names a valid repository; {@code reference} and {@code what}
     * are the second and third groups of {@link #ROUTE}.
     */
    void handle(ApiRequest r, ImageInspector inspector, String reference, String what) {
        HttpServerRequest req = r.req();
        boolean file = what.equals("fs/file");
        if (req.method() != HttpMethod.GET && !(file && req.method() == HttpMethod.HEAD)) {
            throw OciError.UNSUPPORTED.exception(req.method() + " is not supported here; only GET" + (file ? " and HEAD" : ""));
        }
        String name = r.name();
        Reference ref = Reference.parse(reference);
        String platform = req.getParam("platform");
        if (platform != null && !PLATFORM.matcher(platform).matches()) {
            throw OciError.PATH_INVALID.exception("platform must be os/arch or os/arch/variant");
        }
        String path = req.getParam("path");
        switch (what) {
            case "history":
                json(req, s.blocking(() -> inspector.history(name, ref, platform)));
                break;
            case "fs":
                json(req, s.blocking(() -> inspector.list(name, ref, platform, path)));
                break;
            case "diff": {
                String from = req.getParam("from");
                if (from == null || from.isEmpty()) throw OciError.PATH_INVALID.exception("from=<tag or digest> is required");
                Reference base = Reference.parse(from);
                json(req, s.blocking(() -> inspector.diff(name, ref, base, platform)));
                break;
            }
            default:
                if (path == null || path.isEmpty()) throw OciError.PATH_INVALID.exception("path=<file> is required");
                s.blocking(() -> inspector.file(name, ref, platform, path))
                        .onSuccess(f -> serveFile(req, req.response(), f))
                        .onFailure(t -> Http.fail(req, t));
        }
    }

    private static void json(HttpServerRequest req, io.vertx.core.Future<?> body) {
        body.onSuccess(b -> Http.json(req.response(), 200, "application/json", b)).onFailure(t -> Http.fail(req, t));
    }

    private void serveFile(HttpServerRequest req, HttpServerResponse resp, ImageInspector.FileContent f) {
        try {
            long size = f.entry().size();
            resp.putHeader("Content-Type", "application/octet-stream")
                .putHeader("Accept-Ranges", "bytes")
                .putHeader("Strata-Layer", f.entry().layer());
            String etag = f.entry().digest() == null ? null : "\"" + f.entry().digest() + "\"";
            ByteRanges ranges = Http.ranges(req, etag, size);
            if (etag != null) resp.putHeader("ETag", etag);
            // one range is sent as a 206; several, as the whole file (the file is read from the layer as a stream)
            ByteRanges.Range range = ranges.ranges().size() == 1 ? ranges.ranges().get(0) : new ByteRanges.Range(0, size - 1);
            if (ranges.ranges().size() == 1) resp.setStatusCode(206).putHeader("Content-Range", range.contentRange(size));
            long start = range.start();
            long end = range.end();
            resp.putHeader("Content-Length", Long.toString(Math.max(0, end - start + 1)));
            if (req.method() == HttpMethod.HEAD || end < start) {
                resp.end();
                return;
            }
            long from = start;
            long length = end - start + 1;
            s.blocking(() -> f.open(from)).onSuccess(in -> pump(req, in, length)).onFailure(t -> Http.fail(req, t));
        } catch (RuntimeException e) {
            Http.fail(req, e);
        }
    }

    /** Copies {@code left} bytes from the layer stream to the response, honouring its back-pressure. */
    private void pump(HttpServerRequest req, InputStream in, long left) {
        HttpServerResponse resp = req.response();
        if (left == 0) {
            closeQuietly(in);
            resp.end();
            return;
        }
        s.blocking(() -> in.readNBytes((int) Math.min(SEGMENT, left))).onComplete(ar -> {
            if (ar.failed() || ar.result().length == 0 || resp.closed()) {
                closeQuietly(in);
                if (ar.failed() || ar.result().length == 0) {
                    Http.fail(req, ar.failed() ? ar.cause() : OciError.INTERNAL.exception("layer ended inside the file"));
                }
                return;
            }
            byte[] b = ar.result();
            resp.write(Buffer.buffer(b));
            long rest = left - b.length;
            if (resp.writeQueueFull()) resp.drainHandler(v -> pump(req, in, rest));
            else pump(req, in, rest);
        });
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
