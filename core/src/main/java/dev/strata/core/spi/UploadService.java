package dev.strata.core.spi;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.oci.Digest;
import dev.strata.core.oci.OciError;
import dev.strata.core.oci.OciException;
import java.util.List;
import java.util.Optional;

/**
 * Upload sessions and the blob index. Every change is an event on the uploads or blobs topic;
 * each method returns once its events are applied, so a read that follows sees the change.
 * Failures are {@link dev.strata.core.oci.OciException}s.
 */
public interface UploadService {
    /** Opens a new upload session in {@code repository}. */
    UploadSession start(String repository);

    /** The live session, if any (completed and cancelled sessions are gone). */
    Optional<UploadSession> session(String uploadId);

    /**
     * Appends chunks already written to storage at {@code offset}, which must equal the session's
     * size; otherwise BLOB_UPLOAD_RANGE_INVALID (416) and the session is unchanged.
     */
    UploadSession append(String uploadId, long offset, List<ChunkRef> chunks);

    /**
     * Renews the lease of a request body that is still writing chunks into the session: the orphan
     * GC keeps {@code chunkIds} and every chunk this session's bodies named in earlier holds while
     * the session is live and a hold came within the orphan grace, and the session does not count
     * as idle. Idempotent. BLOB_UPLOAD_UNKNOWN when the session is not live.
     */
    void hold(String uploadId, List<String> chunkIds);

    /**
     * Completes the session whose bytes (with {@code lastChunks} appended at {@code offset}) hash to
     * {@code digest}, which the caller has verified. Commits the blob unless the digest is already
     * stored (dedup), and returns the stored blob.
     */
    BlobRecord commit(String uploadId, long offset, List<ChunkRef> lastChunks, Digest digest);

    /** Cancels the session; BLOB_UPLOAD_UNKNOWN if it is not live. */
    void cancel(String uploadId, String reason);

    /**
     * Cancels every session that has not changed for {@code idle} (its chunks are deleted).
     * Returns the ids of the sessions expired.
     */
    List<String> expireIdle(java.time.Duration idle);

    /** The committed blob, if stored. */
    Optional<BlobRecord> blob(Digest digest);

    /**
     * The cancel reason of an upload that lost stored bytes: {@code problem} names the chunk and what
     * is wrong with it (e.g. "ID missing"). Such an upload can never complete.
     */
    static String dataLostReason(String problem) {
        return "upload data lost: chunk " + problem;
    }

    /** What the client gets for an upload that lost stored bytes: BLOB_UPLOAD_INVALID, so that it starts the upload again. */
    static OciException dataLost(String problem) {
        return OciError.BLOB_UPLOAD_INVALID.exception(dataLostReason(problem) + "; start the upload again");
    }
}
