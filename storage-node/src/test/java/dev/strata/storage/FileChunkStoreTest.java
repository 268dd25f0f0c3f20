package dev.strata.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ChunkStoreConformance;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FileChunkStoreTest extends ChunkStoreConformance {
    @Override
    protected ChunkStore newStore(Path dir) {
        return new FileChunkStore(dir);
    }

    @Override
    protected boolean persistent() {
        return true;
    }

    private List<String> listAll(String startAfter) {
        List<String> ids = new ArrayList<>();
        store.list(startAfter, id -> ids.add(id));
        return ids;
    }

    private long filesNamed(String start) throws IOException {
        try (Stream<Path> s = Files.walk(storeDir())) {
            return s.filter(p -> p.getFileName().toString().startsWith(start)).count();
        }
    }

    /** Waits for the background clean-up the store runs after opening. */
    private void awaitCleanUp() throws Exception {
        ((FileChunkStore) backend()).cleanUpDone().get(60, TimeUnit.SECONDS);
    }

    @Test
    void crashLeftTempFileIsInvisibleAndCleanedAfterOpen() throws Exception {
        awaitCleanUp(); // the clean-up after the first open would take the leftover below for its own
        String id = ChunkStore.newUploadChunkId(1_700_000_000_000L);
        store.put(id, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        // what a put killed between write and rename leaves behind, for a chunk that never landed
        String lost = ChunkStore.newUploadChunkId(1_700_000_000_001L);
        Path leaf = Files.list(Files.list(storeDir()).findFirst().orElseThrow()).findFirst().orElseThrow();
        Files.write(leaf.resolve(FileChunkStore.TEMP_MARK + lost + FileChunkStore.TEMP_MARK + "x"), new byte[] {9, 9});
        assertEquals(List.of(id), listAll(null));
        assertEquals(-1, store.size(lost));
        assertEquals(1, filesNamed(FileChunkStore.TEMP_MARK));

        reopen();
        assertEquals(List.of(id), listAll(null), "never listed, also before the clean-up");
        assertEquals(-1, store.size(lost));
        awaitCleanUp();
        assertEquals(0, filesNamed(FileChunkStore.TEMP_MARK), "temp file removed after open");
        assertEquals(List.of(id), listAll(null));
        assertArrayEquals(new byte[] {1, 2, 3}, store.read(id, 0, 3));
    }

    /**
     * Puts while the clean-up after open runs over a tree full of a crash's leftovers (temp files of
     * another generation, empty directories) in the same leaves: every put lands (the clean-up
     * neither deletes a put's own temp file nor a directory a put is filling), and the leftovers go.
     */
    @Test
    void putsRunWhileTheCleanUpAfterOpenRuns() throws Exception {
        awaitCleanUp(); // the first open's clean-up must not race the leftovers made below, only the reopen's
        int leaves = 3000;
        for (int i = 0; i < leaves; i++) {
            String id = ChunkStore.newUploadChunkId(1_700_000_000_000L + i * 5_000L);
            Path leaf = storeDir().resolve(FileChunkStore.DIR_MARK + id.substring(0, FileChunkStore.TOP))
                    .resolve(FileChunkStore.DIR_MARK + id.substring(0, FileChunkStore.LEAF));
            Files.createDirectories(leaf);
            if (i % 2 == 0) Files.write(leaf.resolve(FileChunkStore.TEMP_MARK + id + FileChunkStore.TEMP_MARK + "crashed"), new byte[] {9});
        }
        reopen();
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> puts = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                puts.add(pool.submit(() -> {
                    for (int i = thread; i < leaves; i += 4) {
                        String id = ChunkStore.newUploadChunkId(1_700_000_000_000L + i * 5_000L);
                        store.put(id, ByteBuffer.wrap(id.getBytes()));
                        ids.add(id);
                    }
                    return null;
                }));
            }
            for (Future<?> f : puts) f.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        awaitCleanUp();
        assertEquals(0, filesNamed(FileChunkStore.TEMP_MARK), "the crash's temp files are gone, no put left one");
        List<String> sorted = new ArrayList<>(ids);
        sorted.sort(null);
        assertEquals(sorted, listAll(null));
        for (String id : ids) assertArrayEquals(id.getBytes(), store.read(id, 0, id.length()));
    }

    @Test
    void listIsSortedAcrossDirectoriesAndShortIds() {
        List<String> ids = new ArrayList<>(List.of(".", "..", "a", "ab", "abcdefg", "abcdefgh", "abcdefghijk", "abcdefghijl",
                "abd", "m-sha256-0f", "m-sha256-f0", "A", "_", "-", "c-18bcfe56800-1", "c-18bcfe56801-2", "c-28bcfe56800-3"));
        for (String id : ids) store.put(id, ByteBuffer.wrap(id.getBytes()));
        ids.sort(null);
        assertEquals(ids, listAll(null));
        for (int i = 0; i < ids.size(); i++) {
            assertEquals(ids.subList(i + 1, ids.size()), listAll(ids.get(i)), "after " + ids.get(i));
        }
        assertEquals(ids.subList(ids.indexOf("abcdefgh"), ids.size()), listAll("abcdefg0"));
        for (String id : ids) assertArrayEquals(id.getBytes(), store.read(id, 0, id.length()));
    }

    @Test
    void emptyDirectoriesLeftByDeletesAreRemovedAfterOpen() throws Exception {
        store.put("c-18bcfe56800-1", ByteBuffer.wrap(new byte[] {1}));
        assertTrue(store.delete("c-18bcfe56800-1"));
        reopen();
        awaitCleanUp();
        try (Stream<Path> s = Files.list(storeDir())) {
            assertFalse(s.findAny().isPresent(), "no directories left");
        }
        assertEquals(List.of(), listAll(null));
    }
}
