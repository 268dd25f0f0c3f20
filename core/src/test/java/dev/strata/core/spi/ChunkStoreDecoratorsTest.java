package dev.strata.core.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.spi.ChunkStoreMetrics.Op;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The decorators around a chunk store: validation stops bad arguments before any backend call;
 * metrics count calls, errors, bytes and time; the single-location check finds missing, short and
 * corrupt chunks by their recorded CRC32C. (The conformance suite runs every backend behind both.)
 */
class ChunkStoreDecoratorsTest {
    /** Records every call that reaches it. */
    static final class Recording extends ForwardingChunkStore {
        final List<String> calls = new ArrayList<>();

        Recording() {
            super(new MemoryChunkStore());
        }

        @Override public void put(String id, ByteBuffer data) { calls.add("put " + id); super.put(id, data); }
        @Override public byte[] read(String id, long offset, int length) { calls.add("read " + id); return super.read(id, offset, length); }
        @Override public long size(String id) { calls.add("size " + id); return super.size(id); }
        @Override public boolean delete(String id) { calls.add("delete " + id); return super.delete(id); }
        @Override public void list(String after, Predicate<String> v) { calls.add("list"); super.list(after, v); }
    }

    @Test
    void badArgumentsNeverReachTheBackend() {
        Recording backend = new Recording();
        ChunkStore store = new ValidatingChunkStore(backend);
        for (String bad : new String[] {null, "", "a/b", "..x/", "x".repeat(161), "é", "a b"}) {
            assertThrows(IllegalArgumentException.class, () -> store.put(bad, ByteBuffer.allocate(1)), String.valueOf(bad));
            assertThrows(IllegalArgumentException.class, () -> store.read(bad, 0, 1));
            assertThrows(IllegalArgumentException.class, () -> store.size(bad));
            assertThrows(IllegalArgumentException.class, () -> store.delete(bad));
            assertThrows(IllegalArgumentException.class, () -> store.check(new ChunkRef(bad, 1), false));
        }
        assertThrows(IllegalArgumentException.class, () -> store.put("ok", null));
        assertThrows(IllegalArgumentException.class, () -> store.put("ok", ByteBuffer.allocate(ChunkStore.MAX_CHUNK_BYTES + 1)));
        assertThrows(IllegalArgumentException.class, () -> store.read("ok", -1, 1));
        assertThrows(IllegalArgumentException.class, () -> store.read("ok", 0, -1));
        assertThrows(IllegalArgumentException.class, () -> store.read("ok", Long.MAX_VALUE, 1));
        assertThrows(IllegalArgumentException.class, () -> store.read(new ChunkRef("ok", 1), 0, ChunkStore.MAX_CHUNK_BYTES + 1));
        assertThrows(IllegalArgumentException.class, () -> store.list("x".repeat(161), id -> true));
        assertThrows(IllegalArgumentException.class, () -> store.check(new ChunkRef("ok", -1), false));
        assertEquals(List.of(), backend.calls, "no bad call reached the backend");

        store.put("ok", ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertArrayEquals(new byte[] {2, 3}, store.read("ok", 1, 2));
        assertEquals(List.of("put ok", "read ok"), backend.calls);
    }

    @Test
    void metricsCountCallsErrorsBytesAndTime() {
        MeteredChunkStore store = ChunkStores.decorate(new MemoryChunkStore());
        assertSame(store, ChunkStores.metrics(store));
        assertNull(ChunkStores.metrics(new MemoryChunkStore()));
        store.put("a", ByteBuffer.wrap(new byte[1000]));
        store.put("b", ByteBuffer.wrap(new byte[24]));
        assertEquals(10, store.read("a", 0, 10).length);
        assertEquals(24, store.read(new ChunkRef("b", 24), 0, 24).length);
        assertEquals(-1, store.size("missing"));
        assertThrows(ChunkStore.ChunkNotFoundException.class, () -> store.read("missing", 0, 1));
        assertThrows(IllegalArgumentException.class, () -> store.read("bad/id", 0, 1));
        assertTrue(store.delete("a"));
        assertFalse(store.delete("a"));
        store.list(null, id -> true);

        assertEquals(2, store.calls(Op.PUT));
        assertEquals(1024, store.bytesWritten());
        assertEquals(4, store.calls(Op.READ));
        assertEquals(2, store.errors(Op.READ), "a missing chunk and a bad id");
        assertEquals(34, store.bytesRead());
        assertEquals(1, store.calls(Op.SIZE));
        assertEquals(2, store.calls(Op.DELETE));
        assertEquals(0, store.errors(Op.DELETE));
        assertEquals(1, store.calls(Op.LIST));
        for (Op op : new Op[] {Op.PUT, Op.READ, Op.DELETE}) {
            assertTrue(store.nanos(op) > 0 && store.maxNanos(op) > 0 && store.maxNanos(op) <= store.nanos(op), op.toString());
        }
    }

    @Test
    void aSingleLocationCheckFindsMissingShortAndCorruptChunks() {
        ChunkStore store = ChunkStores.decorate(new MemoryChunkStore());
        byte[] data = new byte[ChunkStore.CHECK_SEGMENT + 17]; // more than one segment
        new java.util.Random(3).nextBytes(data);
        long crc = ChunkStore.crc32c(ByteBuffer.wrap(data));
        store.put("c", ByteBuffer.wrap(data));
        ChunkStore.ChunkCheck good = store.check(new ChunkRef("c", data.length, crc, null), true);
        assertTrue(good.ok(), good.toString());
        assertEquals(1, good.good());
        assertTrue(store.check(new ChunkRef("c", data.length), false).ok(), "no recorded checksum: the size is checked");

        ChunkStore.ChunkCheck corrupt = store.check(new ChunkRef("c", data.length, crc ^ 1, null), true);
        assertFalse(corrupt.ok());
        assertTrue(corrupt.problems().get(0).contains("CRC32C"), corrupt.toString());
        ChunkStore.ChunkCheck shorter = store.check(new ChunkRef("c", data.length + 1, crc, null), true);
        assertFalse(shorter.ok());
        assertTrue(shorter.problems().get(0).contains("size"), shorter.toString());
        ChunkStore.ChunkCheck missing = store.check(new ChunkRef("gone", 1, 0L, null), true);
        assertFalse(missing.ok());
        assertEquals(List.of("store: missing"), missing.problems());
    }
}
