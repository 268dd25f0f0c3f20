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

    @Test
    void crashLeftTempFileIsInvisibleAndCleanedAtOpen() throws IOException {
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
        assertEquals(0, filesNamed(FileChunkStore.TEMP_MARK), "temp file removed at open");
        assertEquals(List.of(id), listAll(null));
        assertArrayEquals(new byte[] {1, 2, 3}, store.read(id, 0, 3));
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
    void emptyDirectoriesLeftByDeletesAreRemovedAtOpen() throws IOException {
        store.put("c-18bcfe56800-1", ByteBuffer.wrap(new byte[] {1}));
        assertTrue(store.delete("c-18bcfe56800-1"));
        reopen();
        try (Stream<Path> s = Files.list(storeDir())) {
            assertFalse(s.findAny().isPresent(), "no directories left");
        }
        assertEquals(List.of(), listAll(null));
    }
}
