package dev.strata.gateway;

import dev.strata.core.oci.Digest;
import dev.strata.core.oci.OciError;
import dev.strata.core.spi.BlobRecord;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;

/** HEAD, GET (with Range) and DELETE of /v2/&lt;name&gt;/blobs/&lt;digest&gt;. */
final class BlobHandler {
    private final Services s;
    /** Direct buffers the pull path reads segments into and writes to the socket from. */
    private final SegmentBuffers segments = SegmentBuffers.forHeap(BlobStreamer.SEGMENT);

    BlobHandler(Services s) {
        this.s = s;
    }

    void handle(ApiRequest r) {
        Digest digest = Digest.parse(r.tail());
        HttpMethod m = r.req().method();
        if (m == HttpMethod.GET || m == HttpMethod.HEAD) {
            s.blocking(() -> find(r.name(), digest)).onSuccess(b -> {
                try {
                    serve(r, b);
                } catch (RuntimeException e) {
                    Http.fail(r.req(), e);
                }
            }).onFailure(t -> Http.fail(r.req(), t));
        } else if (m == HttpMethod.DELETE) {
            s.blocking(() -> {
                s.manifests().unlinkBlob(r.name(), digest);
                return null;
            }).onSuccess(v -> Http.empty(r.req().response().putHeader(Http.CONTENT_DIGEST, digest.toString()), 202))
              .onFailure(t -> Http.fail(r.req(), t));
        } else {
            throw OciError.UNSUPPORTED.exception(m + " is not supported on blobs");
        }
    }

    /** The blob, if it is linked to the repository; BLOB_UNKNOWN otherwise. */
    BlobRecord find(String name, Digest digest) {
        if (!s.manifests().isBlobLinked(name, digest)) throw OciError.BLOB_UNKNOWN.exception("blob " + digest + " not found in " + name);
        return s.uploads().blob(digest).orElseThrow(() -> OciError.BLOB_UNKNOWN.exception("blob " + digest + " not found"));
    }

    private void serve(ApiRequest r, BlobRecord b) {
        HttpServerResponse resp = r.req().response();
        resp.putHeader(Http.CONTENT_DIGEST, b.digest())
            .putHeader("Content-Type", "application/octet-stream")
            .putHeader("Accept-Ranges", "bytes")
            .putHeader("ETag", "\"" + b.digest() + "\"")
            .putHeader("Cache-Control", "max-age=31536000");
        long start = 0;
        long end = b.size() - 1;
        String range = r.req().getHeader("Range");
        if (range != null) {
            long[] se = parseRange(range, b.size());
            if (se == null) {
                resp.putHeader("Content-Range", "bytes */" + b.size());
                throw OciError.RANGE_NOT_SATISFIABLE.exception("range " + range + " not satisfiable for " + b.size() + " bytes");
            }
            start = se[0];
            end = se[1];
            resp.setStatusCode(206).putHeader("Content-Range", "bytes " + start + "-" + end + "/" + b.size());
        }
        resp.putHeader("Content-Length", Long.toString(end - start + 1));
        if (r.req().method() == HttpMethod.HEAD || end < start) {
            resp.end();
            return;
        }
        BlobStreamer.stream(s.vertx(), s.chunks(), segments, resp, b.chunks(), start, end).onFailure(t -> Http.fail(r.req(), t));
    }

    /**
     * Parses a single "bytes=a-b", "bytes=a-" or "bytes=-n" range. Returns null when it cannot be
     * satisfied; throws for a malformed header (which the spec lets us ignore, but a clear error helps).
     */
    static long[] parseRange(String header, long size) {
        String h = header.trim();
        if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) return null;
        String spec = h.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) return null;
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            long start;
            long end;
            if (a.isEmpty()) {
                long n = Long.parseLong(b);
                if (n <= 0) return null;
                start = Math.max(0, size - n);
                end = size - 1;
            } else {
                start = Long.parseLong(a);
                end = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            }
            if (start < 0 || start >= size || end < start) return null;
            return new long[] {start, end};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
