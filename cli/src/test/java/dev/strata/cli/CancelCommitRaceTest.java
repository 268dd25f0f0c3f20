package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.log.EventLog;
import dev.strata.core.log.LogConfig;
import dev.strata.core.oci.Digest;
import dev.strata.core.oci.OciError;
import dev.strata.core.oci.OciException;
import dev.strata.core.spi.BlobRecord;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ForwardingChunkStore;
import dev.strata.core.spi.UploadSession;
import dev.strata.storage.RocksChunkStore;
import dev.strata.storage.RocksKvStore;
import dev.strata.upload.UploadServiceImpl;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two upload-service instances (each its own projection and RocksDB, one real Kafka broker and one
 * chunk store, as two processes have): a cancel of an upload on one while the other commits it.
 * The commit is stopped right after it found the upload's chunks in the store (its check before
 * recording the blob), the cancel runs to its end, then the commit goes on. Whatever the commit
 * answers, an acknowledged blob must have its bytes.
 */
class CancelCommitRaceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Stops the first chunk stat after it was answered, until released. */
    private static final class StalledStat extends ForwardingChunkStore {
        final CountDownLatch statted = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);
        volatile boolean armed;

        StalledStat(ChunkStore inner) {
            super(inner);
        }

        @Override
        public long size(String id) {
            long size = inner.size(id);
            if (armed) {
                armed = false;
                statted.countDown();
                try {
                    resume.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return size;
        }

        @Override
        public void close() {
            // the test closes the store it wraps
        }
    }

    @Test
    void aCancelOnAnotherInstanceDuringACommitNeverLeavesAnAcknowledgedBlobWithoutItsBytes() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "cancel-commit-").toAbsolutePath();
        try (Closer open = new Closer()) {
            EmbeddedKafka kafka = open.push(EmbeddedKafka.start(dir.resolve("kafka")));
            LogConfig log = new LogConfig(kafka.bootstrapServers(), "race.", 2, (short) 1);
            EventLog.ensureTopics(log, Duration.ofSeconds(60));
            RocksChunkStore chunks = open.push(new RocksChunkStore(dir.resolve("storage")));
            StalledStat stalled = new StalledStat(chunks);
            UploadServiceImpl a = instance(open, log, dir.resolve("a"), stalled);
            UploadServiceImpl b = instance(open, log, dir.resolve("b"), chunks);

            byte[] data = new byte[5000];
            new java.util.Random().nextBytes(data);
            Digest digest = Digest.sha256(data);
            String id = ChunkStore.newUploadChunkId(System.currentTimeMillis());
            chunks.put(id, ByteBuffer.wrap(data));
            UploadSession s = a.start("race/repo");
            a.append(s.uploadId(), 0, List.of(new ChunkRef(id, data.length)));

            stalled.armed = true;
            CompletableFuture<BlobRecord> commit = CompletableFuture.supplyAsync(() -> a.commit(s.uploadId(), data.length, List.of(), digest));
            assertTrue(stalled.statted.await(30, TimeUnit.SECONDS), "the commit checks the upload's chunk");
            b.projection().awaitLogEnd(TIMEOUT); // what the internal API does before each operation
            b.cancel(s.uploadId(), "cancelled by client");
            stalled.resume.countDown();

            try {
                BlobRecord blob = commit.get(60, TimeUnit.SECONDS);
                for (ChunkRef c : blob.chunks()) {
                    assertEquals(c.length(), chunks.size(c.id()), "the commit answered the blob, and its chunk " + c.id() + " is gone");
                }
            } catch (ExecutionException e) {
                // the cancel came first: the commit is refused and records nothing
                assertTrue(e.getCause() instanceof OciException o && o.error() == OciError.BLOB_UPLOAD_UNKNOWN, e::toString);
                a.projection().awaitLogEnd(TIMEOUT);
                b.projection().awaitLogEnd(TIMEOUT);
                assertTrue(a.blob(digest).isEmpty() && b.blob(digest).isEmpty(), "no blob recorded over the cancelled upload's chunks");
            }
        }
    }

    private static UploadServiceImpl instance(Closer open, LogConfig log, Path data, ChunkStore chunks) {
        RocksKvStore kv = open.push(new RocksKvStore(data));
        EventLog events = open.push(new EventLog(log));
        return open.push(new UploadServiceImpl(events, kv, chunks, Clock.systemUTC(), TIMEOUT)).start();
    }
}
