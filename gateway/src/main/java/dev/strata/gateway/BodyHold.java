package dev.strata.gateway;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease of one request body on its chunks: a body that streams into an upload session for
 * longer than {@link GatewayConfig#uploadHold()} names the chunks it has stored so far, and renews
 * that at the same interval until the request ends ({@code UploadService.hold}), so orphan GC keeps
 * them although no append records them yet. A body shorter than the interval costs nothing. If the
 * gateway dies, the renewals stop and the chunks become orphans once the orphan grace has passed.
 * Runs on the request's event loop; a renewal that fails is logged and tried again at the next tick.
 */
final class BodyHold {
    private static final Logger LOG = LoggerFactory.getLogger(BodyHold.class);
    private final Services s;
    private final String uploadId;
    private final List<String> stored = new ArrayList<>();
    private final long timer;
    /** Chunks named by renewals so far (a prefix of {@link #stored}). */
    private int named;
    private boolean renewing;
    private boolean closed;
    private boolean warned;

    private BodyHold(Services s, String uploadId) {
        this.s = s;
        this.uploadId = uploadId;
        long every = s.config().uploadHold().toMillis();
        this.timer = s.vertx().setPeriodic(every, every, id -> renew());
    }

    /** Starts holding for a body of the upload; {@link #close} it when the request is over. */
    static BodyHold start(Services s, String uploadId) {
        return new BodyHold(s, uploadId);
    }

    /** A chunk the body has written (or is writing). */
    void add(String chunkId) {
        stored.add(chunkId);
    }

    private void renew() {
        if (closed || renewing) return;
        renewing = true;
        List<String> fresh = List.copyOf(stored.subList(named, stored.size()));
        s.blocking(() -> {
            s.uploads().hold(uploadId, fresh);
            return null;
        }).onComplete(ar -> {
            renewing = false;
            if (ar.succeeded()) {
                named += fresh.size();
            } else if (!warned && !closed) {
                warned = true; // one line per body
                LOG.warn("upload {}: could not renew the hold of a body still streaming (tried again every {} ms): {}",
                        uploadId, s.config().uploadHold().toMillis(), ar.cause().toString());
            }
        });
    }

    /** The request is over (answered or failed): its chunks are recorded, deleted, or left to orphan GC. */
    void close() {
        closed = true;
        s.vertx().cancelTimer(timer);
    }
}
