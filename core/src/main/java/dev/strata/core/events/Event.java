package dev.strata.core.events;

/**
 * A metadata change, appended to a Kafka topic and applied by projections. Events are immutable,
 * versioned records; their type name and version travel in Kafka headers (see {@link EventCodec}).
 * Each event names the topic it belongs on and its partition key; per-key ordering is the
 * consistency model.
 */
public sealed interface Event permits
        Event.UploadStarted, Event.UploadChunksAppended, Event.UploadChunksHeld, Event.UploadCompleted, Event.UploadCancelled,
        Event.BlobCommitted, Event.BlobDeletionScheduled, Event.BlobDeletionCancelled, Event.BlobDeleted,
        Event.ManifestBytesDeleted, Event.BlobLinked, Event.BlobUnlinked, Event.ManifestPushed, Event.TagUpdated, Event.TagDeleted,
        Event.ManifestDeleted, Event.QuotaSet {

    /** The topic this event belongs on. */
    Topic topic();

    /** The partition key: upload id, digest or repository name. */
    String key();

    /** The three topics of the event log. */
    enum Topic { UPLOADS, BLOBS, REPOSITORIES }

    /**
     * A piece of a blob stored on storage nodes.
     *
     * @param id        the chunk id
     * @param length    its size in bytes
     * @param crc32c    CRC32C of its bytes, computed when it was written, so a scrub can check each
     *                  copy on its own (schema version 2; null in version-1 records)
     * @param placement the storage-node topology it was written under, so reads go straight to its
     *                  nodes after nodes are added (version 2; null in version-1 records and for a
     *                  store with one location, such as one RocksDB or a RADOS pool)
     */
    record ChunkRef(String id, long length, Long crc32c, Placement placement) {
        /** A chunk with no recorded checksum or placement (tests, version-1 records). */
        public ChunkRef(String id, long length) {
            this(id, length, null, null);
        }
    }

    /**
     * A storage-node topology (a placement epoch): the node ids that existed and the number of copies,
     * R. Rendezvous hashing over {@code nodes} names the R nodes a chunk was written to.
     */
    record Placement(java.util.List<String> nodes, int replicas) {
        public Placement {
            nodes = java.util.List.copyOf(nodes);
            if (nodes.isEmpty() || replicas < 1 || replicas > nodes.size()) {
                throw new IllegalArgumentException("placement needs 1 <= replicas <= nodes, got " + replicas + " of " + nodes);
            }
        }
    }

    // ---- uploads (key: upload id)

    record UploadStarted(String uploadId, String repository, long at) implements Event {
        public Topic topic() { return Topic.UPLOADS; }
        public String key() { return uploadId; }
    }

    /** Chunks appended at {@code offset}; the upload's size becomes offset + sum of lengths. */
    record UploadChunksAppended(String uploadId, long offset, java.util.List<ChunkRef> chunks, long at) implements Event {
        public Topic topic() { return Topic.UPLOADS; }
        public String key() { return uploadId; }
    }

    /**
     * A request body still streaming into the session has stored these chunks (and holds every chunk
     * it named before): a lease, renewed while the body runs, so that orphan GC keeps chunks that no
     * append records yet. The gc projection holds a session's leased chunks while the session is live
     * and its latest hold is younger than the orphan grace; the upload projection counts it as
     * activity of the session (idle expiry). {@code chunkIds} are only those not named before.
     */
    record UploadChunksHeld(String uploadId, java.util.List<String> chunkIds, long at) implements Event {
        public Topic topic() { return Topic.UPLOADS; }
        public String key() { return uploadId; }
    }

    record UploadCompleted(String uploadId, String digest, long at) implements Event {
        public Topic topic() { return Topic.UPLOADS; }
        public String key() { return uploadId; }
    }

    record UploadCancelled(String uploadId, String reason, long at) implements Event {
        public Topic topic() { return Topic.UPLOADS; }
        public String key() { return uploadId; }
    }

    // ---- blobs (key: digest)

    /**
     * A blob's bytes are complete and verified: these chunks, in order, hold them. {@code chunkSize}
     * is the size the writer cut the blob into (every chunk but an append's last has it; schema
     * version 2, null in version-1 records); each chunk carries its own checksum and placement.
     */
    record BlobCommitted(String digest, long size, java.util.List<ChunkRef> chunks, String uploadId, long at, Integer chunkSize)
            implements Event {
        public BlobCommitted(String digest, long size, java.util.List<ChunkRef> chunks, String uploadId, long at) {
            this(digest, size, chunks, uploadId, at, null);
        }

        public Topic topic() { return Topic.BLOBS; }
        public String key() { return digest; }
    }

    /**
     * Garbage collection will delete these chunks of the blob: from now on the blob reads as absent
     * (HEAD, mount and manifest validation), unless the deletion is cancelled or the blob is
     * committed again.
     */
    record BlobDeletionScheduled(String digest, java.util.List<ChunkRef> chunks, long at) implements Event {
        public Topic topic() { return Topic.BLOBS; }
        public String key() { return digest; }
    }

    /** A reference arrived while the deletion was pending: the blob is live again. */
    record BlobDeletionCancelled(String digest, String reason, long at) implements Event {
        public Topic topic() { return Topic.BLOBS; }
        public String key() { return digest; }
    }

    /** The chunks are deleted from storage. A blob committed again since then (other chunks) stays. */
    record BlobDeleted(String digest, java.util.List<ChunkRef> chunks, long size, long at) implements Event {
        public Topic topic() { return Topic.BLOBS; }
        public String key() { return digest; }
    }

    /**
     * GC deleted the chunk holding a manifest's bytes: no repository had the manifest since
     * {@code unheldSince}. A later push of the same manifest writes the chunk again.
     */
    record ManifestBytesDeleted(String digest, String chunkId, long unheldSince, long at) implements Event {
        public Topic topic() { return Topic.BLOBS; }
        public String key() { return digest; }
    }

    // ---- repositories (key: repository name)

    record BlobLinked(String repository, String digest, long at) implements Event {
        public Topic topic() { return Topic.REPOSITORIES; }
        public String key() { return repository; }
    }

    record BlobUnlinked(String repository, String digest, long at) implements Event {
        public Topic topic() { return Topic.REPOSITORIES; }
        public String key() { return repository; }
    }

    /**
     * A validated manifest stored in a repository. Its bytes are in the chunk {@code chunkId}, written
     * under {@code chunkPlacement} (schema version 2; null in version-1 records and for a store with
     * one location). {@code blobs} and {@code manifests} are what it references.
     */
    record ManifestPushed(String repository, String digest, String mediaType, long size, String chunkId,
                          java.util.List<String> blobs, java.util.List<String> manifests,
                          dev.strata.core.oci.Descriptor subject, String artifactType,
                          java.util.Map<String, String> annotations, long at, Placement chunkPlacement) implements Event {
        /** Without a recorded placement of the chunk (version-1 records, one-location stores). */
        public ManifestPushed(String repository, String digest, String mediaType, long size, String chunkId,
                              java.util.List<String> blobs, java.util.List<String> manifests,
                              dev.strata.core.oci.Descriptor subject, String artifactType,
                              java.util.Map<String, String> annotations, long at) {
            this(repository, digest, mediaType, size, chunkId, blobs, manifests, subject, artifactType, annotations, at, null);
        }

        /** The manifest's chunk, with the placement it was written under (schema version 2). */
        public ChunkRef chunk() {
            return new ChunkRef(chunkId, size, null, chunkPlacement);
        }

        public Topic topic() { return Topic.REPOSITORIES; }
        public String key() { return repository; }
    }

    /** The tag now points at the digest. {@code actor} (may be null) is who did it, for the tag's history. */
    record TagUpdated(String repository, String tag, String digest, long at, String actor) implements Event {
        public TagUpdated(String repository, String tag, String digest, long at) {
            this(repository, tag, digest, at, null);
        }

        public Topic topic() { return Topic.REPOSITORIES; }
        public String key() { return repository; }
    }

    record TagDeleted(String repository, String tag, long at, String actor) implements Event {
        public TagDeleted(String repository, String tag, long at) {
            this(repository, tag, at, null);
        }

        public Topic topic() { return Topic.REPOSITORIES; }
        public String key() { return repository; }
    }

    /** The manifest is gone from the repository, and so is every tag that pointed at it. */
    record ManifestDeleted(String repository, String digest, long at, String actor) implements Event {
        public ManifestDeleted(String repository, String digest, long at) {
            this(repository, digest, at, null);
        }

        public Topic topic() { return Topic.REPOSITORIES; }
        public String key() { return repository; }
    }

    /** The namespace's storage quota in bytes; -1 removes it. Keyed by the namespace. */
    record QuotaSet(String namespace, long bytes, long at, String actor) implements Event {
        public Topic topic() { return Topic.REPOSITORIES; }
        public String key() { return namespace; }
    }
}
