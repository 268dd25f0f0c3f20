package dev.strata.gc;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.log.Projection;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.GarbageCollector.Collected;
import dev.strata.core.spi.KvStore;
import dev.strata.core.util.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orphan chunks: upload chunks ({@link ChunkStore#newUploadChunkId}) that no committed blob and no
 * live upload session ({@link LiveUploads}: its appends, and the chunks of a request body still
 * streaming into it while it renews its hold within the grace) holds, older than
 * {@link GcConfig#orphanGrace()}. They
 * come from a crash between a chunk write and its event, a cancelled or expired upload, a failed
 * delete. Never a chunk a live session holds; nothing at all while the gc projection is stopped.
 */
final class OrphanChunks {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanChunks.class);
    private final KvStore store;
    private final ChunkStore chunks;
    private final GcConfig config;
    private final Projection projection;
    private final Duration timeout;

    OrphanChunks(KvStore store, ChunkStore chunks, GcConfig config, Projection projection, Duration timeout) {
        this.store = store;
        this.chunks = chunks;
        this.config = config;
        this.projection = projection;
        this.timeout = timeout;
    }

    /** Chunk ids of uploads: {@code c-<write time, epoch millis hex>-<random>} ({@link ChunkStore#newUploadChunkId}). */
    static final java.util.regex.Pattern UPLOAD_CHUNK = java.util.regex.Pattern.compile("c-([0-9a-f]{1,15})-[0-9a-f]{32}");

    /**
     * Upload chunks older than the orphan grace that no committed blob (including one being deleted:
     * its pass deletes its chunks) and no live upload session holds, at most {@code limit}. The live
     * sessions ({@link LiveUploads}, this projection's view of the uploads topic) are read once the
     * projection has applied the log, then the projection catches up again before the blobs are
     * read: a chunk whose session completed in between is in a blob by then, since the upload-service
     * appends the commit, and waits for it, before it appends the end of the session. When the
     * projection is not running, no chunk is judged an orphan in this pass.
     */
    List<Collected> due(long now, int limit) {
        List<Collected> out = new ArrayList<>();
        if (limit <= 0) return out;
        if (!projection.healthy()) {
            LOG.warn("gc: the gc projection is stopped: no orphan chunks are collected in this pass");
            return out;
        }
        long cutoff = now - config.orphanGrace().toMillis();
        projection.awaitLogEnd(timeout);
        java.util.Set<String> live = LiveUploads.chunkIds(store, cutoff);
        projection.awaitLogEnd(timeout);
        java.util.Set<String> committed = new java.util.HashSet<>();
        store.scan(GcService.BLOB, null, (k, v) -> {
            for (ChunkRef c : Json.read(v, GcService.Blob.class).chunks()) committed.add(c.id());
            return true;
        });
        chunks.list("c-", id -> {
            if (!id.startsWith("c-")) return false; // ascending order: past every upload chunk
            java.util.regex.Matcher m = UPLOAD_CHUNK.matcher(id);
            if (!m.matches() || committed.contains(id) || live.contains(id)) return true;
            long writtenAt = Long.parseLong(m.group(1), 16);
            if (writtenAt > cutoff) return true;
            long size = chunks.size(id);
            if (size >= 0) {
                out.add(Collected.orphanChunk(id, size, writtenAt, "orphan chunk: written " + java.time.Instant.ofEpochMilli(writtenAt)
                        + ", held by no committed blob and no live upload"));
            }
            return out.size() < limit;
        });
        return out;
    }

    /** Deletes the orphan chunks {@link #due} found; returns those deleted (a failed delete is logged and left for a later pass). */
    List<Collected> delete(List<Collected> orphans) {
        List<Collected> deleted = new ArrayList<>();
        for (Collected o : orphans) {
            try {
                if (chunks.delete(o.chunkId())) deleted.add(o);
            } catch (RuntimeException e) {
                LOG.warn("gc: could not delete orphan chunk {}: {}", o.chunkId(), e.toString());
            }
        }
        if (!deleted.isEmpty()) LOG.info("gc: deleted {} orphan chunks", deleted.size());
        return deleted;
    }
}
