package dev.strata.gateway;

import dev.strata.core.oci.OciError;
import dev.strata.core.oci.Reference;
import dev.strata.core.spi.ManifestRecord;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/** PUT, GET, HEAD and DELETE of /v2/&lt;name&gt;/manifests/&lt;reference&gt;. */
final class ManifestHandler {
    private final Services s;

    ManifestHandler(Services s) {
        this.s = s;
    }

    void handle(ApiRequest r) {
        Reference ref = Reference.parse(r.tail());
        HttpMethod m = r.req().method();
        if (m == HttpMethod.GET || m == HttpMethod.HEAD) {
            var hot = s.manifests().cachedManifest(r.name(), ref);
            if (hot.isPresent()) {
                headers(r.req().response(), hot.get().record());
                if (m == HttpMethod.HEAD) r.req().response().end();
                else r.req().response().end(Buffer.buffer(hot.get().bytes()));
                return;
            }
        }
        if (m == HttpMethod.GET) {
            s.blocking(() -> s.manifests().getManifest(r.name(), ref)).onSuccess(st -> {
                headers(r.req().response(), st.record());
                r.req().response().end(Buffer.buffer(st.bytes()));
            }).onFailure(t -> Http.fail(r.req(), t));
        } else if (m == HttpMethod.HEAD) {
            s.blocking(() -> s.manifests().statManifest(r.name(), ref).orElseThrow(
                    () -> OciError.MANIFEST_UNKNOWN.exception("manifest " + ref + " not found in " + r.name())))
             .onSuccess(rec -> {
                 headers(r.req().response(), rec);
                 r.req().response().end();
             }).onFailure(t -> Http.fail(r.req(), t));
        } else if (m == HttpMethod.PUT) {
            String contentType = Http.mediaType(r.req().getHeader("Content-Type"));
            readBounded(r.req(), s.config().maxManifestBytes())
                    .compose(body -> s.blocking(() -> s.manifests().putManifest(r.name(), ref, contentType, body, Http.actor(r.req(), r.caller()))))
                    .onSuccess(res -> {
                        HttpServerResponse resp = r.req().response()
                                .putHeader("Location", "/v2/" + r.name() + "/manifests/" + res.digest())
                                .putHeader(Http.CONTENT_DIGEST, res.digest().toString());
                        if (res.subject() != null) resp.putHeader("OCI-Subject", res.subject().digest());
                        Http.empty(resp, 201);
                    }).onFailure(t -> Http.fail(r.req(), t));
        } else if (m == HttpMethod.DELETE) {
            s.blocking(() -> {
                s.manifests().delete(r.name(), ref, Http.actor(r.req(), r.caller()));
                return null;
            }).onSuccess(v -> Http.empty(r.req().response(), 202)).onFailure(t -> Http.fail(r.req(), t));
        } else {
            throw OciError.UNSUPPORTED.exception(m + " is not supported on manifests");
        }
    }

    private static void headers(HttpServerResponse resp, ManifestRecord rec) {
        resp.putHeader("Content-Type", rec.mediaType())
            .putHeader(Http.CONTENT_DIGEST, rec.digest())
            .putHeader("ETag", "\"" + rec.digest() + "\"")
            .putHeader("Content-Length", Long.toString(rec.size()));
    }

    /** Reads the whole (paused) body, failing with 413 as soon as it passes {@code max} bytes. */
    static Future<byte[]> readBounded(HttpServerRequest req, int max) {
        long declared = Http.contentLength(req);
        if (declared > max) {
            return Future.failedFuture(OciError.MANIFEST_TOO_LARGE.exception("manifest of " + declared
                    + " bytes exceeds the limit of " + max));
        }
        Promise<byte[]> p = Promise.promise();
        if (req.isEnded()) {
            p.complete(new byte[0]);
            return p.future();
        }
        Buffer acc = Buffer.buffer(declared > 0 ? (int) declared : 4096);
        req.handler(b -> {
            if (p.future().isComplete()) return;
            if (acc.length() + b.length() > max) {
                req.pause();
                p.tryFail(OciError.MANIFEST_TOO_LARGE.exception("manifest exceeds the limit of " + max + " bytes"));
                return;
            }
            acc.appendBuffer(b);
        });
        req.exceptionHandler(p::tryFail);
        req.endHandler(v -> p.tryComplete(acc.getBytes()));
        req.resume();
        return p.future();
    }
}
