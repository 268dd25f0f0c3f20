package dev.strata.gateway;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.oci.Digest;
import dev.strata.core.oci.Names;
import dev.strata.core.oci.OciError;
import dev.strata.core.spi.BlobRecord;
import dev.strata.core.spi.UploadService;
import dev.strata.core.spi.UploadSession;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.security.MessageDigest;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * /v2/&lt;name&gt;/blobs/uploads/[&lt;uuid&gt;]: start (POST, with monolithic ?digest= and cross-repository
 * ?mount=&amp;from=), chunked PATCH in order only, status (GET), completion (PUT ?digest=) and cancel
 * (DELETE). Bytes stream to storage while SHA-256 runs over them; the session's offset and chunk
 * list live in the event log, so an upload continues on any gateway or after a restart.
 */
final class BlobUploadHandler {
    private static final Logger LOG = LoggerFactory.getLogger(BlobUploadHandler.class);
    private static final Pattern CONTENT_RANGE = Pattern.compile("(?:bytes[ =])?(\\d{1,19})-(\\d{1,19})(?:/\\*|/\\d+)?");
    private final Services s;
    private final UploadHashes hashes = new UploadHashes(100_000);
    static final long BUFFER_WAIT_MILLIS = 30_000;
    private final ChunkBuffers buffers;

    BlobUploadHandler(Services s) {
        this.s = s;
        // at most a quarter of the heap in chunk arrays; an upload waits up to 30 s for one, then gets 503
        this.buffers = ChunkBuffers.forHeap(s.config().chunkBytes(), BUFFER_WAIT_MILLIS);
    }

    void handle(ApiRequest r) {
        HttpMethod m = r.req().method();
        if (r.tail().isEmpty()) {
            if (m != HttpMethod.POST) throw OciError.UNSUPPORTED.exception(m + " needs an upload id");
            post(r);
            return;
        }
        if (m == HttpMethod.PATCH) patch(r);
        else if (m == HttpMethod.PUT) put(r);
        else if (m == HttpMethod.GET) status(r);
        else if (m == HttpMethod.DELETE) cancel(r);
        else throw OciError.UNSUPPORTED.exception(m + " is not supported on uploads");
    }

    // ---- POST

    private void post(ApiRequest r) {
        HttpServerRequest req = r.req();
        String mount = req.getParam("mount");
        String from = req.getParam("from");
        String digestParam = req.getParam("digest");
        // a mount needs pull on the source: without it this is a normal upload, as if the blob were not there
        if (mount != null && from != null && r.caller().allows("repository", from, dev.strata.gateway.auth.Scope.PULL)) {
            Digest d = Digest.parse(mount);
            Names.repository(from);
            s.blocking(() -> {
                var blob = s.uploads().blob(d);
                if (blob.isEmpty() || !s.manifests().isBlobLinked(from, d)) return false;
                s.checkQuota(r.name(), java.util.Map.of(d, blob.get().size()));
                // checked again and linked in one step, inside the GC fence
                return s.manifests().mountBlob(r.name(), from, d);
            }).onSuccess(mounted -> {
                if (mounted) created(r, d);
                else startSession(r);
            }).onFailure(t -> Http.fail(req, t));
            return;
        }
        if (digestParam != null) {
            Digest d = Digest.parse(digestParam);
            s.blocking(() -> s.uploads().start(r.name()))
                    .compose(session -> writeBody(r, session, d.newMessageDigest(), null)
                            .compose(body -> complete(r, session, body, d).andThen(ar -> body.hold().close())))
                    .onSuccess(blob -> created(r, Digest.parse(blob.digest())))
                    .onFailure(t -> Http.fail(req, t));
            return;
        }
        startSession(r);
    }

    private void startSession(ApiRequest r) {
        s.blocking(() -> s.uploads().start(r.name())).onSuccess(session -> {
            hashes.put(session.uploadId(), 0, Digest.newSha256());
            accepted(r, session.uploadId(), 0).putHeader("OCI-Chunk-Min-Length", Integer.toString(s.config().chunkBytes()));
            Http.empty(r.req().response(), 202);
        }).onFailure(t -> Http.fail(r.req(), t));
        r.req().resume();
    }

    // ---- PATCH

    private void patch(ApiRequest r) {
        session(r).compose(session -> {
            long[] range = contentRange(r.req(), session);
            return digestAt(session).compose(md -> writeBody(r, session, md, range).compose(body ->
                    s.blocking(() -> s.uploads().append(session.uploadId(), session.size(), body.chunks()))
                            .onFailure(t -> {
                                // after a 503 the append may be in the log: its chunks then belong to the
                                // session, so they are left to orphan GC, which keeps what a session holds
                                if (refused(t)) ChunkedBody.discard(s.vertx(), s.chunks(), body.chunks());
                            })
                            .onSuccess(after -> hashes.put(after.uploadId(), after.size(), md))
                            .andThen(ar -> body.hold().close())));
        }).onSuccess(after -> {
            accepted(r, after.uploadId(), after.size());
            Http.empty(r.req().response(), 202);
        }).onFailure(t -> Http.fail(r.req(), t));
    }

    /**
     * Whether a command that failed with {@code t} certainly recorded nothing: a definite refusal (an
     * OCI error below 500, such as 416 or an unknown upload). Not a 503 or any other failure, after
     * which its event may be in the log all the same.
     */
    static boolean refused(Throwable t) {
        return t instanceof dev.strata.core.oci.OciException o && o.error().status() < 500;
    }

    // ---- PUT

    private void put(ApiRequest r) {
        String digestParam = r.req().getParam("digest");
        if (digestParam == null) throw OciError.DIGEST_INVALID.exception("the digest query parameter is required");
        Digest d = Digest.parse(digestParam);
        if (!"sha256".equals(d.algorithm())) throw OciError.DIGEST_INVALID.exception("uploads are verified with sha256 only");
        session(r).compose(session -> {
            long[] range = contentRange(r.req(), session);
            return digestAt(session).compose(md -> writeBody(r, session, md, range))
                    .compose(body -> complete(r, session, body, d).andThen(ar -> body.hold().close()));
        }).onSuccess(blob -> created(r, Digest.parse(blob.digest())))
          .onFailure(t -> Http.fail(r.req(), t));
    }

    /**
     * The body read so far, with the digest state covering the whole upload including it, and its
     * hold on its chunks: close it once they are recorded or dropped.
     */
    private record Body(List<ChunkRef> chunks, long length, MessageDigest md, BodyHold hold) {}

    private Future<Body> writeBody(ApiRequest r, UploadSession session, MessageDigest md, long[] range) {
        long limit = s.config().maxBlobBytes() - session.size();
        long declared = Http.contentLength(r.req());
        if (declared > limit) throw OciError.SIZE_INVALID.exception("blob larger than the limit of " + s.config().maxBlobBytes() + " bytes");
        // held against orphan GC while the request runs, however long its body streams
        BodyHold hold = BodyHold.start(s, session.uploadId());
        return ChunkedBody.write(s.vertx(), r.req(), s.chunks(), buffers, md, s.config().chunkBytes(), limit, hold::add).onFailure(t -> hold.close()).compose(res -> {
            if (range != null && res.length() != range[1] - range[0] + 1) {
                hold.close();
                ChunkedBody.discard(s.vertx(), s.chunks(), res.chunks());
                return Future.failedFuture(OciError.SIZE_INVALID.exception("Content-Range covers " + (range[1] - range[0] + 1)
                        + " bytes but the body has " + res.length()));
            }
            return Future.succeededFuture(new Body(res.chunks(), res.length(), md, hold));
        });
    }

    /** Verifies the digest over the whole upload, then commits and links the blob. A mismatch stores nothing. */
    private Future<BlobRecord> complete(ApiRequest r, UploadSession session, Body body, Digest expected) {
        if (!expected.matches(body.md())) {
            ChunkedBody.discard(s.vertx(), s.chunks(), body.chunks());
            hashes.remove(session.uploadId());
            return s.blocking(() -> {
                s.uploads().cancel(session.uploadId(), "digest mismatch");
                return null;
            }).transform(ar -> Future.failedFuture(OciError.DIGEST_INVALID.exception(
                    "uploaded content does not match digest " + expected)));
        }
        return s.blocking(() -> {
            try {
                s.checkQuota(r.name(), java.util.Map.of(expected, session.size() + body.length()));
            } catch (dev.strata.core.oci.OciException denied) {
                // refused: nothing of this upload stays, nothing is counted
                ChunkedBody.discard(s.vertx(), s.chunks(), body.chunks());
                s.uploads().cancel(session.uploadId(), "quota exceeded");
                throw denied;
            }
            // commit and link in one step, inside the GC fence
            return s.manifests().completeUpload(r.name(), session.uploadId(), session.size(), body.chunks(), expected);
        }).onFailure(t -> {
            // as for a PATCH: after a 503 or an unexpected failure the commit may have recorded these
            // chunks in a blob, so only a definite refusal deletes them; orphan GC takes the rest
            if (refused(t)) ChunkedBody.discard(s.vertx(), s.chunks(), body.chunks());
        }).onComplete(ar -> hashes.remove(session.uploadId()));
    }

    // ---- GET, DELETE

    private void status(ApiRequest r) {
        session(r).onSuccess(session -> {
            accepted(r, session.uploadId(), session.size());
            Http.empty(r.req().response(), 204);
        }).onFailure(t -> Http.fail(r.req(), t));
    }

    private void cancel(ApiRequest r) {
        session(r).compose(session -> s.blocking(() -> {
            s.uploads().cancel(session.uploadId(), "cancelled by client");
            return null;
        })).onSuccess(v -> {
            hashes.remove(r.tail());
            Http.empty(r.req().response(), 204);
        }).onFailure(t -> Http.fail(r.req(), t));
    }

    // ---- helpers

    /**
     * The live session named by the path, in the path's repository; BLOB_UPLOAD_UNKNOWN otherwise,
     * also when it has outlived the upload session lifetime (it is then cancelled).
     */
    private Future<UploadSession> session(ApiRequest r) {
        String id = r.tail();
        long lifetimeMillis = s.config().limits().uploadSessionSeconds() * 1000;
        return s.blocking(() -> {
            UploadSession session = s.uploads().session(id)
                    .filter(x -> x.repository().equals(r.name()))
                    .orElseThrow(() -> OciError.BLOB_UPLOAD_UNKNOWN.exception("upload " + id + " is not in progress in " + r.name()));
            if (System.currentTimeMillis() - session.startedAt() > lifetimeMillis) {
                s.uploads().cancel(id, "expired: older than " + s.config().limits().uploadSessionSeconds() + " s");
                hashes.remove(id);
                throw OciError.BLOB_UPLOAD_UNKNOWN.exception("upload " + id + " expired (sessions live "
                        + s.config().limits().uploadSessionSeconds() + " s)");
            }
            return session;
        });
    }

    /**
     * Digest state covering exactly the session's bytes: cached, or re-hashed from stored chunks.
     * A chunk that is gone (or shorter than recorded) means the upload can never complete: as at
     * commit (the upload-service's check), the session is cancelled and the answer is
     * BLOB_UPLOAD_INVALID, so the client starts the upload again.
     */
    private Future<MessageDigest> digestAt(UploadSession session) {
        MessageDigest md = hashes.at(session.uploadId(), session.size());
        if (md != null) return Future.succeededFuture(md);
        return s.blocking(() -> {
            MessageDigest fresh = Digest.newSha256();
            for (ChunkRef c : session.chunks()) {
                try {
                    for (long o = 0; o < c.length(); o += BlobStreamer.SEGMENT) {
                        fresh.update(s.chunks().read(c, o, (int) Math.min(BlobStreamer.SEGMENT, c.length() - o)));
                    }
                } catch (dev.strata.core.spi.ChunkStore.ChunkNotFoundException | IllegalArgumentException e) {
                    String lost = c.id() + (e instanceof IllegalArgumentException ? " is shorter than its " + c.length() + " bytes" : " missing");
                    LOG.error("upload {} in {} lost data: chunk {}; the upload is cancelled", session.uploadId(), session.repository(), lost);
                    s.uploads().cancel(session.uploadId(), UploadService.dataLostReason(lost));
                    throw UploadService.dataLost(lost);
                }
            }
            return fresh;
        });
    }

    /** Parses Content-Range; it must start at the session's end. Null when absent. */
    private static long[] contentRange(HttpServerRequest req, UploadSession session) {
        String h = req.getHeader("Content-Range");
        if (h == null) return null;
        long[] range = parseContentRange(h);
        long start = range[0];
        long end = range[1];
        if (start != session.size() || end < start) {
            throw OciError.BLOB_UPLOAD_RANGE_INVALID.exception("chunk " + start + "-" + end + " does not start at the upload's end, "
                    + session.size());
        }
        long cl = Http.contentLength(req);
        if (cl >= 0 && cl != end - start + 1) {
            throw OciError.BLOB_UPLOAD_RANGE_INVALID.exception("Content-Length " + cl + " does not match Content-Range " + start + "-" + end);
        }
        return new long[] {start, end};
    }

    /** {@code [bytes ]START-END[/TOTAL|/*]} as {start, end}; BLOB_UPLOAD_RANGE_INVALID (416) when malformed. */
    static long[] parseContentRange(String h) {
        Matcher m = CONTENT_RANGE.matcher(h.trim());
        if (!m.matches()) throw OciError.BLOB_UPLOAD_RANGE_INVALID.exception("malformed Content-Range: " + (h.length() > 60 ? h.substring(0, 60) : h));
        try {
            return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
        } catch (NumberFormatException e) {
            throw OciError.BLOB_UPLOAD_RANGE_INVALID.exception("Content-Range out of range");
        }
    }

    private HttpServerResponse accepted(ApiRequest r, String uploadId, long size) {
        return r.req().response()
                .putHeader("Location", "/v2/" + r.name() + "/blobs/uploads/" + uploadId)
                .putHeader("Range", "0-" + Math.max(0, size - 1))
                .putHeader(Http.UPLOAD_UUID, uploadId);
    }

    private void created(ApiRequest r, Digest d) {
        r.req().response()
                .putHeader("Location", "/v2/" + r.name() + "/blobs/" + d)
                .putHeader(Http.CONTENT_DIGEST, d.toString());
        Http.empty(r.req().response(), 201);
    }
}
