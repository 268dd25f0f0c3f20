package dev.strata.cli.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.oci.Digest;
import dev.strata.core.oci.OciError;
import dev.strata.core.oci.OciException;
import dev.strata.core.spi.BlobRecord;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.UploadService;
import dev.strata.core.spi.UploadSession;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The upload-service's commands are safe to retry (the internal HTTP clients retry them on another
 * instance): an append names its offset and a commit its upload id, so a repeat answers the same and
 * applies nothing twice; a different append at a taken offset is 416.
 */
class RetriedCommandsTest {
    private final UploadService uploads = TestRegistry.node().uploads();
    private final ChunkStore chunks = TestRegistry.node().chunks();

    private ChunkRef chunk(byte[] data) {
        String id = "test-" + UUID.randomUUID();
        chunks.put(id, ByteBuffer.wrap(data));
        return new ChunkRef(id, data.length);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    @Test
    void aRetriedAppendAppliesOnceAndAnotherAppendAtTheSameOffsetIs416() {
        UploadSession s = uploads.start("retry/append");
        ChunkRef first = chunk(random(1000));
        ChunkRef second = chunk(random(500));
        assertEquals(1000, uploads.append(s.uploadId(), 0, List.of(first)).size());
        UploadSession again = uploads.append(s.uploadId(), 0, List.of(first));
        assertEquals(1000, again.size(), "the retry did not append the chunk twice");
        assertEquals(List.of(first), again.chunks());
        OciException e = assertThrows(OciException.class, () -> uploads.append(s.uploadId(), 0, List.of(second)));
        assertEquals(OciError.BLOB_UPLOAD_RANGE_INVALID, e.error());
        assertEquals(416, e.error().status());
        assertEquals(1500, uploads.append(s.uploadId(), 1000, List.of(second)).size());
        assertEquals(1500, uploads.append(s.uploadId(), 1000, List.of(second)).size(), "retry of the second append");
        assertEquals(1500, uploads.session(s.uploadId()).orElseThrow().size());
    }

    @Test
    void aRetriedCommitAnswersTheSameBlobAndADifferentDigestIsRefused() {
        byte[] data = random(2048);
        Digest digest = Digest.sha256(data);
        UploadSession s = uploads.start("retry/commit");
        ChunkRef c = chunk(data);
        BlobRecord blob = uploads.commit(s.uploadId(), 0, List.of(c), digest);
        assertEquals(blob, uploads.commit(s.uploadId(), 0, List.of(c), digest), "a repeat of the commit gets the same answer");
        assertEquals(blob, uploads.blob(digest).orElseThrow());
        OciException e = assertThrows(OciException.class, () -> uploads.commit(s.uploadId(), 0, List.of(c), Digest.sha256(random(10))));
        assertEquals(OciError.BLOB_UPLOAD_UNKNOWN, e.error());
        assertEquals(data.length, chunks.size(c.id()), "the refused commit leaves the chunk the completed upload's blob holds");
        assertEquals(OciError.BLOB_UPLOAD_UNKNOWN, assertThrows(OciException.class,
                () -> uploads.commit("never-started", 0, List.of(), digest)).error());
    }
}
