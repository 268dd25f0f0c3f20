package dev.strata.core.metrics;

import dev.strata.core.oci.Digest;
import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.spi.BlobRecord;
import dev.strata.core.spi.UploadService;
import dev.strata.core.spi.UploadSession;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Counts upload sessions around any {@link UploadService}: {@code strata_upload_sessions_total}
 * by outcome (started, completed, cancelled, expired) and {@code strata_upload_appended_bytes_total}.
 * Only successful calls count. The contract is the delegate's.
 */
public final class MeteredUploadService implements UploadService {
    private final UploadService delegate;
    private final Metrics.Counter sessions;
    private final Metrics.Counter appended;

    public MeteredUploadService(UploadService delegate, Metrics metrics) {
        this.delegate = delegate;
        this.sessions = metrics.counter("strata_upload_sessions_total", "Upload sessions by outcome: started, completed, cancelled, expired",
                "event");
        this.appended = metrics.counter("strata_upload_appended_bytes_total", "Bytes appended to upload sessions (chunks recorded)");
    }

    @Override
    public UploadSession start(String repository) {
        UploadSession s = delegate.start(repository);
        sessions.inc("started");
        return s;
    }

    @Override
    public Optional<UploadSession> session(String uploadId) {
        return delegate.session(uploadId);
    }

    @Override
    public UploadSession append(String uploadId, long offset, List<ChunkRef> chunks) {
        UploadSession s = delegate.append(uploadId, offset, chunks);
        appended.add(bytes(chunks));
        return s;
    }

    @Override
    public void hold(String uploadId, List<String> chunkIds) {
        delegate.hold(uploadId, chunkIds);
    }

    @Override
    public BlobRecord commit(String uploadId, long offset, List<ChunkRef> lastChunks, Digest digest) {
        BlobRecord b = delegate.commit(uploadId, offset, lastChunks, digest);
        appended.add(bytes(lastChunks));
        sessions.inc("completed");
        return b;
    }

    @Override
    public void cancel(String uploadId, String reason) {
        delegate.cancel(uploadId, reason);
        sessions.inc("cancelled");
    }

    @Override
    public List<String> expireIdle(Duration idle) {
        List<String> expired = delegate.expireIdle(idle);
        sessions.add(expired.size(), "expired");
        return expired;
    }

    @Override
    public Optional<BlobRecord> blob(Digest digest) {
        return delegate.blob(digest);
    }

    private static long bytes(List<ChunkRef> chunks) {
        long n = 0;
        if (chunks != null) for (ChunkRef c : chunks) n += c.length();
        return n;
    }
}
