package dev.strata.core.spi;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.oci.Descriptor;
import dev.strata.core.oci.Digest;
import dev.strata.core.oci.Reference;
import java.util.List;
import java.util.Optional;

/**
 * Repositories: blob links, manifests, tags, referrers and the catalog. Every change is an event
 * on the repositories topic; each write returns once its events are applied. Failures are
 * {@link dev.strata.core.oci.OciException}s.
 */
public interface ManifestService {
    /**
     * A cross-repository mount: links {@code digest} into {@code repository} if {@code from} links
     * it and it is stored; returns whether it did. Inside the GC fence: the check of the blob and its
     * link are one step that a garbage collection either sees (the link restarts the grace period)
     * or precedes (the blob reads as absent, and nothing is mounted). UNAVAILABLE when the link would
     * come too late for the fence (a retry checks again). Idempotent.
     */
    boolean mountBlob(String repository, String from, Digest digest);

    /**
     * Completes an upload ({@link UploadService#commit}: the blob is committed, or found stored) and
     * links the blob into {@code repository}, inside the GC fence as {@link #mountBlob}: a blob that
     * a collection takes is never answered as pushed. UNAVAILABLE when the link would come too late
     * for the fence (a retry completes it, or answers BLOB_UPLOAD_UNKNOWN when a collection took the
     * blob meanwhile); otherwise the commit's errors. Idempotent (a retried commit is recognised by
     * its upload id).
     */
    BlobRecord completeUpload(String repository, String uploadId, long offset, List<ChunkRef> lastChunks, Digest digest);

    /** Removes the blob's link from the repository; BLOB_UNKNOWN if it was not linked. */
    void unlinkBlob(String repository, Digest digest);

    boolean isBlobLinked(String repository, Digest digest);

    /** The result of a manifest PUT. */
    record PutResult(Digest digest, Descriptor subject) {}

    /**
     * Validates and stores a manifest under a tag or its digest. A digest reference must match the
     * bytes (DIGEST_INVALID); the body must be valid for its media type (MANIFEST_INVALID); every
     * blob and child manifest it references must be in the repository (MANIFEST_BLOB_UNKNOWN).
     */
    PutResult putManifest(String repository, Reference reference, String contentType, byte[] body, String actor);

    /** A stored manifest with its bytes. */
    record Stored(ManifestRecord record, byte[] bytes) {}

    /** MANIFEST_UNKNOWN if the reference does not resolve. */
    Stored getManifest(String repository, Reference reference);

    /**
     * The manifest if it can be answered from memory, without I/O or blocking; empty when it cannot
     * (not cached, or changed since). Callers on an event loop try this first. Never stale: a write
     * acknowledged before the call is reflected.
     */
    default Optional<Stored> cachedManifest(String repository, Reference reference) {
        return Optional.empty();
    }

    /** The manifest's metadata without its bytes (HEAD). */
    Optional<ManifestRecord> statManifest(String repository, Reference reference);

    /** Deletes by digest (the manifest and its tags) or by tag (the tag only). */
    void delete(String repository, Reference reference, String actor);

    /**
     * One change of a tag, oldest first in a history.
     *
     * @param digest what the tag pointed at after the change; null when the change removed the tag
     * @param at     when, in epoch milliseconds
     * @param actor  who made the change, or null when unknown
     */
    record TagChange(String digest, long at, String actor) {}

    /** Every change of the tag, oldest first, at most {@code limit}; empty for a tag never set. */
    List<TagChange> tagHistory(String repository, String tag, int limit);

    /**
     * Points the tag back at {@code digest}, or, when digest is null, at what it pointed to at time
     * {@code at}, as a new change. MANIFEST_UNKNOWN when that manifest is no longer in the repository
     * or the tag had no manifest then.
     */
    Digest restoreTag(String repository, String tag, Digest digest, Long at, String actor);

    /** Tags of the repository in lexical order after {@code last}; NAME_UNKNOWN if it has none ever. */
    Page tags(String repository, String last, int n);

    /** Repository names in lexical order after {@code last}. */
    Page catalog(String last, int n);

    /** Descriptors of manifests in {@code repository} whose subject is {@code subject}. */
    List<Descriptor> referrers(String repository, Digest subject, String artifactType);
}
