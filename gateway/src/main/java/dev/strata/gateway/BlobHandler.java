package dev.strata.gateway;

import dev.strata.core.oci.Digest;
import dev.strata.core.oci.OciError;
import dev.strata.core.spi.BlobRecord;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;

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
        long size = b.size();
        String etag = "\"" + b.digest() + "\"";
        resp.putHeader(Http.CONTENT_DIGEST, b.digest()).putHeader("Accept-Ranges", "bytes");
        ByteRanges ranges = Http.ranges(r.req(), etag, size);
        // caching headers go on 200 and 206 only: a blob never changes under its digest
        resp.putHeader("ETag", etag).putHeader("Cache-Control", "max-age=31536000");
        boolean head = r.req().method() == HttpMethod.HEAD;
        List<ByteRanges.Range> parts = ranges.ranges();
        if (parts.size() > 1) {
            multipart(r, b, parts);
            return;
        }
        ByteRanges.Range range = parts.isEmpty() ? new ByteRanges.Range(0, size - 1) : parts.get(0);
        if (!parts.isEmpty()) resp.setStatusCode(206).putHeader("Content-Range", range.contentRange(size));
        resp.putHeader("Content-Type", "application/octet-stream")
            .putHeader("Content-Length", Long.toString(Math.max(0, range.length())));
        if (head || size == 0) {
            resp.end();
            return;
        }
        BlobStreamer.stream(s.vertx(), s.chunks(), segments, resp, b.chunks(), range.start(), range.end())
                .onFailure(t -> Http.fail(r.req(), t));
    }


    /** A 206 {@code multipart/byteranges} body: each part's headers, then its bytes streamed from storage. */
    private void multipart(ApiRequest r, BlobRecord b, List<ByteRanges.Range> parts) {
        HttpServerResponse resp = r.req().response();
        String boundary = "strata-" + java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(12)
                .putLong(java.util.concurrent.ThreadLocalRandom.current().nextLong())
                .putInt(java.util.concurrent.ThreadLocalRandom.current().nextInt()).array());
        List<Buffer> headers = new ArrayList<>();
        long length = 0;
        for (int i = 0; i < parts.size(); i++) {
            ByteRanges.Range p = parts.get(i);
            Buffer h = Buffer.buffer((i == 0 ? "" : "\r\n") + "--" + boundary + "\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Range: " + p.contentRange(b.size()) + "\r\n\r\n");
            headers.add(h);
            length += h.length() + p.length();
        }
        Buffer close = Buffer.buffer("\r\n--" + boundary + "--\r\n");
        length += close.length();
        resp.setStatusCode(206)
            .putHeader("Content-Type", "multipart/byteranges; boundary=" + boundary)
            .putHeader("Content-Length", Long.toString(length));
        Future<Void> sent = Future.succeededFuture();
        for (int i = 0; i < parts.size(); i++) {
            Buffer h = headers.get(i);
            ByteRanges.Range p = parts.get(i);
            sent = sent.compose(v -> resp.write(h))
                    .compose(v -> BlobStreamer.write(s.vertx(), s.chunks(), segments, resp, b.chunks(), p.start(), p.end()));
        }
        sent.compose(v -> resp.end(close)).onFailure(t -> Http.fail(r.req(), t));
    }
}
