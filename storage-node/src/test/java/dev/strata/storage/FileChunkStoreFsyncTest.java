package dev.strata.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ChunkStoreConformance;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Event;
import jdk.jfr.Name;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;

/**
 * {@link FileChunkStore} with fsync: the whole {@link ChunkStore} contract, and proof from the JVM's
 * own file I/O events (JFR {@code jdk.FileForce}, recorded in-process with threshold 0) that each
 * put forces its temp file (so before the rename: the name it was forced under is gone afterwards)
 * and then the directories holding the new name; and that a store without fsync forces nothing.
 */
class FileChunkStoreFsyncTest extends ChunkStoreConformance {
    @Override
    protected ChunkStore newStore(Path dir) {
        return new FileChunkStore(dir, true);
    }

    @Override
    protected boolean persistent() {
        return true;
    }

    /** Committed after the puts: once the stream delivers it, it has delivered this thread's earlier events. */
    @Name("strata.test.Marker")
    static final class Marker extends Event {}

    record Force(String path, boolean metaData) {}

    /** The jdk.FileForce events of this thread while {@code work} runs. */
    private static List<Force> forces(Runnable work) throws InterruptedException {
        List<Force> out = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch marker = new CountDownLatch(1);
        Thread me = Thread.currentThread();
        try (RecordingStream rs = new RecordingStream()) {
            rs.enable("jdk.FileForce").withThreshold(Duration.ZERO);
            rs.enable(Marker.class);
            rs.onEvent("jdk.FileForce", e -> {
                if (e.getThread() != null && e.getThread().getJavaThreadId() == me.getId()) {
                    out.add(new Force(e.getString("path"), e.getBoolean("metaData")));
                }
            });
            rs.onEvent("strata.test.Marker", e -> marker.countDown());
            CountDownLatch started = new CountDownLatch(1);
            rs.onFlush(started::countDown);
            rs.startAsync();
            assertTrue(started.await(60, TimeUnit.SECONDS), "the recording stream started");
            work.run();
            new Marker().commit();
            assertTrue(marker.await(60, TimeUnit.SECONDS), "the recording stream delivered the marker");
        }
        return new ArrayList<>(out);
    }

    @Test
    void eachPutForcesItsTempFileThenTheDirectories() throws Exception {
        List<String> ids = List.of(ChunkStore.newUploadChunkId(1_700_000_000_000L), ChunkStore.newUploadChunkId(1_700_000_000_001L),
                ChunkStore.newUploadChunkId(1_800_000_000_000L));
        List<Force> forces = forces(() -> {
            for (String id : ids) store.put(id, ByteBuffer.wrap(id.getBytes()));
        });
        Path root = storeDir();
        List<Force> expected = new ArrayList<>();
        for (String id : ids) {
            Path leaf = root.resolve(FileChunkStore.DIR_MARK + id.substring(0, FileChunkStore.TOP))
                    .resolve(FileChunkStore.DIR_MARK + id.substring(0, FileChunkStore.LEAF));
            assertTrue(Files.exists(leaf.resolve(FileChunkStore.CHUNK_MARK + id)), id);
            Force temp = forces.get(expected.size());
            Path forced = Path.of(temp.path());
            assertEquals(leaf, forced.getParent(), "the temp file is forced in the chunk's leaf");
            assertTrue(forced.getFileName().toString().startsWith(FileChunkStore.TEMP_MARK + id + FileChunkStore.TEMP_MARK),
                    "the forced file is the chunk's temp file: " + forced);
            assertTrue(!Files.exists(forced), "the temp file was renamed after it was forced");
            expected.add(new Force(temp.path(), false)); // fdatasync: data, not metadata
            expected.add(new Force(leaf.toString(), true));
            expected.add(new Force(leaf.getParent().toString(), true));
            expected.add(new Force(root.toString(), true));
        }
        assertEquals(expected, forces);
    }

    @Test
    void withoutFsyncNothingIsForced() throws Exception {
        try (FileChunkStore plain = new FileChunkStore(tempDir.resolve("plain"))) {
            plain.cleanUpDone().get(60, TimeUnit.SECONDS);
            List<Force> forces = forces(() -> {
                for (int i = 0; i < 3; i++) plain.put(ChunkStore.newUploadChunkId(1_700_000_000_000L + i), ByteBuffer.wrap(new byte[] {1, 2}));
            });
            assertEquals(List.of(), forces);
        }
    }
}
