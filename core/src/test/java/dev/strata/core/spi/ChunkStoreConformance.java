package dev.strata.core.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.strata.core.spi.ChunkStore.ChunkNotFoundException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link ChunkStore} contract, for every implementation. A subclass supplies
 * {@link #newStore(Path)}; a store that persists overrides {@link #persistent()} to return true so
 * that the reopen test runs (it closes the store and opens a new one on the same directory).
 */
public abstract class ChunkStoreConformance {
    @TempDir
    protected Path tempDir;

    /** The store under test, opened before each test on {@link #storeDir()} and closed after it. */
    protected ChunkStore store;
    private ChunkStore backend;

    /** Opens a store on {@code dir} (created or reused; a store that keeps no files may ignore it). */
    protected abstract ChunkStore newStore(Path dir);

    /** True when chunks survive {@link ChunkStore#close()} and a reopen on the same directory. */
    protected boolean persistent() {
        return false;
    }

    protected Path storeDir() {
        return tempDir.resolve("chunks");
    }

    /** Closes the current store and opens a new one on the same directory. */
    protected void reopen() {
        store.close();
        store = null;
        backend = newStore(storeDir());
        store = ChunkStores.decorate(backend);
    }

    /** The backend under test, without the decorators. */
    protected ChunkStore backend() {
        return backend;
    }

    /**
     * Every backend is tested behind the decorators the wiring puts around it
     * ({@link ChunkStores#decorate}): validation happens there, once, not in each backend.
     */
    @BeforeEach
    void openStore() {
        backend = newStore(storeDir());
        store = ChunkStores.decorate(backend);
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
        store = null;
    }

    protected static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private void assertStored(String id, byte[] expected) {
        assertEquals(expected.length, store.size(id), "size of " + id);
        assertArrayEquals(expected, store.read(id, 0, expected.length), "bytes of " + id);
    }

    private List<String> listAll(String startAfter) {
        List<String> ids = new ArrayList<>();
        store.list(startAfter, id -> {
            ids.add(id);
            return true;
        });
        return ids;
    }

    // ---- round trips

    @Test
    void emptyChunkRoundTrips() {
        store.put("empty", ByteBuffer.allocate(0));
        assertEquals(0, store.size("empty"));
        assertArrayEquals(new byte[0], store.read("empty", 0, 0));
        assertEquals(List.of("empty"), listAll(null));
    }

    @Test
    void emptyDirectChunkRoundTrips() {
        store.put("empty-direct", ByteBuffer.allocateDirect(0));
        assertEquals(0, store.size("empty-direct"));
        assertArrayEquals(new byte[0], store.read("empty-direct", 0, 0));
    }

    @Test
    void oneByteRoundTrips() {
        store.put("one", ByteBuffer.wrap(new byte[] {(byte) 0xA5}));
        assertStored("one", new byte[] {(byte) 0xA5});
    }

    @Test
    void fourMibRoundTrips() {
        byte[] data = random(4 << 20, 4);
        store.put("four-mib", ByteBuffer.wrap(data));
        assertStored("four-mib", data);
    }

    @Test
    void maxSizeChunkRoundTrips() {
        assertEquals(64 << 20, ChunkStore.MAX_CHUNK_BYTES);
        byte[] data = random(ChunkStore.MAX_CHUNK_BYTES, 64);
        store.put("max", ByteBuffer.wrap(data));
        assertEquals(ChunkStore.MAX_CHUNK_BYTES, store.size("max"));
        assertArrayEquals(data, store.read("max", 0, data.length));
        assertArrayEquals(Arrays.copyOfRange(data, data.length - 17, data.length), store.read("max", data.length - 17, 17));
        assertArrayEquals(Arrays.copyOfRange(data, 40 << 20, (40 << 20) + 4096), store.read("max", 40 << 20, 4096));
    }

    @Test
    void largerThanMaxRejected() {
        ByteBuffer tooBig = ByteBuffer.allocate(ChunkStore.MAX_CHUNK_BYTES + 1);
        assertThrows(IllegalArgumentException.class, () -> store.put("too-big", tooBig));
        assertEquals(-1, store.size("too-big"));
        assertEquals(List.of(), listAll(null));
    }

    @Test
    void largerThanMaxRejectedForDirectBuffers() {
        ByteBuffer tooBig = ByteBuffer.allocateDirect(ChunkStore.MAX_CHUNK_BYTES + 1);
        assertThrows(IllegalArgumentException.class, () -> store.put("too-big", tooBig));
        assertEquals(-1, store.size("too-big"));
    }

    @Test
    void onlyTheRemainingBytesCountAgainstTheMaximum() {
        // a buffer larger than the maximum whose remaining window is at the maximum is accepted
        byte[] backing = random(ChunkStore.MAX_CHUNK_BYTES + 100, 7);
        ByteBuffer window = ByteBuffer.wrap(backing, 100, ChunkStore.MAX_CHUNK_BYTES);
        store.put("window", window);
        assertEquals(ChunkStore.MAX_CHUNK_BYTES, store.size("window"));
        assertArrayEquals(Arrays.copyOfRange(backing, 100, 200), store.read("window", 0, 100));
        assertArrayEquals(Arrays.copyOfRange(backing, backing.length - 50, backing.length),
                store.read("window", ChunkStore.MAX_CHUNK_BYTES - 50, 50));
    }

    // ---- buffer kinds: only position..limit is stored

    @Test
    void heapBufferPositionAndLimitRespected() {
        byte[] backing = random(1000, 1);
        ByteBuffer b = ByteBuffer.wrap(backing);
        b.position(100).limit(350);
        store.put("heap", b);
        assertStored("heap", Arrays.copyOfRange(backing, 100, 350));
    }

    @Test
    void heapSliceWithArrayOffsetRespected() {
        byte[] backing = random(100_000, 2);
        ByteBuffer slice = ByteBuffer.wrap(backing).position(1234).slice(); // arrayOffset 1234
        slice.position(66).limit(70_066);
        assertEquals(1234, slice.arrayOffset());
        store.put("heap-slice", slice);
        assertStored("heap-slice", Arrays.copyOfRange(backing, 1234 + 66, 1234 + 70_066));
    }

    @Test
    void readOnlyHeapBufferRespected() {
        byte[] backing = random(5000, 3);
        ByteBuffer ro = ByteBuffer.wrap(backing).asReadOnlyBuffer();
        ro.position(10).limit(4010);
        store.put("heap-ro", ro);
        assertStored("heap-ro", Arrays.copyOfRange(backing, 10, 4010));
    }

    @Test
    void directBufferRoundTrips() {
        byte[] data = random(200_000, 4);
        ByteBuffer d = ByteBuffer.allocateDirect(data.length).put(data).flip();
        store.put("direct", d);
        assertStored("direct", data);
    }

    @Test
    void directBufferPositionAndLimitRespected() {
        byte[] backing = random(300_000, 5);
        ByteBuffer d = ByteBuffer.allocateDirect(backing.length).put(backing).flip();
        d.position(1001).limit(250_001);
        store.put("direct-window", d);
        assertStored("direct-window", Arrays.copyOfRange(backing, 1001, 250_001));
    }

    @Test
    void directSliceRespected() {
        byte[] backing = random(10_000, 6);
        ByteBuffer d = ByteBuffer.allocateDirect(backing.length).put(backing).flip();
        ByteBuffer slice = d.position(500).slice();
        slice.position(20).limit(3020);
        store.put("direct-slice", slice);
        assertStored("direct-slice", Arrays.copyOfRange(backing, 520, 3520));
        // small direct window too (below any blob-separation threshold)
        ByteBuffer small = ByteBuffer.allocateDirect(backing.length).put(backing).flip().position(7).limit(19);
        store.put("direct-small", small);
        assertStored("direct-small", Arrays.copyOfRange(backing, 7, 19));
    }

    @Test
    void readOnlyDirectBufferRespected() {
        byte[] backing = random(100_000, 8);
        ByteBuffer ro = ByteBuffer.allocateDirect(backing.length).put(backing).flip().asReadOnlyBuffer();
        ro.position(3).limit(99_000);
        store.put("direct-ro", ro);
        assertStored("direct-ro", Arrays.copyOfRange(backing, 3, 99_000));
    }

    @Test
    void putDoesNotCorruptTheCallersBytes() {
        byte[] data = random(70_000, 9);
        byte[] copy = data.clone();
        store.put("c", ByteBuffer.wrap(data));
        assertArrayEquals(copy, data);
        // later changes to the caller's array do not reach the stored chunk
        Arrays.fill(data, (byte) 0);
        assertArrayEquals(copy, store.read("c", 0, copy.length));
    }

    @Test
    void returnedBytesAreACopy() {
        byte[] data = random(1000, 10);
        store.put("copy", ByteBuffer.wrap(data));
        byte[] got = store.read("copy", 0, 1000);
        Arrays.fill(got, (byte) 1);
        assertArrayEquals(data, store.read("copy", 0, 1000));
    }

    // ---- ranges

    @Test
    void offsetAndLengthReads() {
        byte[] data = random(100_000, 11);
        store.put("r", ByteBuffer.wrap(data));
        assertArrayEquals(Arrays.copyOfRange(data, 0, 1), store.read("r", 0, 1));
        assertArrayEquals(Arrays.copyOfRange(data, 12_345, 12_345 + 54_321), store.read("r", 12_345, 54_321));
        assertArrayEquals(Arrays.copyOfRange(data, 99_999, 100_000), store.read("r", 99_999, 1));
        assertArrayEquals(new byte[0], store.read("r", 100_000, 0));
        assertArrayEquals(new byte[0], store.read("r", 500, 0));
        assertArrayEquals(Arrays.copyOfRange(data, 1, 100_000), store.read("r", 1, 99_999));
    }

    @Test
    void outOfRangeReadsRejected() {
        byte[] data = random(1000, 12);
        store.put("r", ByteBuffer.wrap(data));
        assertThrows(IllegalArgumentException.class, () -> store.read("r", -1, 10));
        assertThrows(IllegalArgumentException.class, () -> store.read("r", Long.MIN_VALUE, 10));
        assertThrows(IllegalArgumentException.class, () -> store.read("r", 0, -1));
        assertThrows(IllegalArgumentException.class, () -> store.read("r", 10, Integer.MIN_VALUE));
        assertThrows(IllegalArgumentException.class, () -> store.read("r", 0, 1001));
        assertThrows(IllegalArgumentException.class, () -> store.read("r", 1, 1000));
        assertThrows(IllegalArgumentException.class, () -> store.read("r", 1001, 0));
        assertThrows(IllegalArgumentException.class, () -> store.read("r", 999, 2));
        assertThrows(IllegalArgumentException.class, () -> store.read("r", 1L << 32, 0));
        assertThrows(IllegalArgumentException.class, () -> store.read("r", (1L << 32) + 1, 5));
        assertThrows(IllegalArgumentException.class, () -> store.read("r", 0, Integer.MAX_VALUE));
        // offset + length overflows a long: must not wrap into range
        assertThrows(IllegalArgumentException.class, () -> store.read("r", Long.MAX_VALUE, 1));
        assertThrows(IllegalArgumentException.class, () -> store.read("r", Long.MAX_VALUE - 5, 10));
        assertThrows(IllegalArgumentException.class, () -> store.read("r", Long.MAX_VALUE, Integer.MAX_VALUE));
        // the chunk is untouched
        assertStored("r", data);
    }

    @Test
    void outOfRangeReadOfEmptyChunkRejected() {
        store.put("e", ByteBuffer.allocate(0));
        assertThrows(IllegalArgumentException.class, () -> store.read("e", 0, 1));
        assertThrows(IllegalArgumentException.class, () -> store.read("e", 1, 0));
    }

    // ---- readInto: into the caller's buffer

    /** readInto of [offset, offset+length) into a window of a larger heap or direct buffer. */
    private byte[] readIntoWindow(String id, long offset, int length, boolean direct) {
        int before = 13;
        int after = 7;
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(before + length + after) : ByteBuffer.allocate(before + length + after);
        for (int i = 0; i < b.capacity(); i++) b.put(i, (byte) 0x5A);
        b.position(before).limit(before + length);
        store.readInto(id, offset, b);
        assertEquals(before + length, b.position(), "position advanced by the bytes read");
        assertEquals(before + length, b.limit(), "limit untouched");
        b.limit(b.capacity());
        for (int i = 0; i < before; i++) assertEquals((byte) 0x5A, b.get(i), "byte before the window");
        for (int i = before + length; i < b.capacity(); i++) assertEquals((byte) 0x5A, b.get(i), "byte after the window");
        byte[] out = new byte[length];
        b.position(before);
        b.get(out);
        return out;
    }

    @Test
    void readIntoHeapAndDirectBuffers() {
        byte[] data = random(300_000, 30);
        store.put("ri", ByteBuffer.wrap(data));
        for (boolean direct : new boolean[] {false, true}) {
            String what = direct ? "direct" : "heap";
            assertArrayEquals(data, readIntoWindow("ri", 0, data.length, direct), "whole chunk, " + what);
            assertArrayEquals(Arrays.copyOfRange(data, 0, 4096), readIntoWindow("ri", 0, 4096, direct), "prefix, " + what);
            assertArrayEquals(Arrays.copyOfRange(data, 77_777, 277_777), readIntoWindow("ri", 77_777, 200_000, direct), "middle, " + what);
            assertArrayEquals(Arrays.copyOfRange(data, data.length - 1, data.length), readIntoWindow("ri", data.length - 1, 1, direct), "last byte, " + what);
            assertArrayEquals(new byte[0], readIntoWindow("ri", data.length, 0, direct), "empty at the end, " + what);
        }
    }

    @Test
    void readIntoFourMibDirectMatchesRead() {
        byte[] data = random(4 << 20, 31);
        store.put("ri4", ByteBuffer.allocateDirect(data.length).put(data).flip());
        ByteBuffer d = ByteBuffer.allocateDirect(data.length);
        store.readInto("ri4", 0, d);
        assertEquals(0, d.remaining());
        byte[] got = new byte[data.length];
        d.flip().get(got);
        assertArrayEquals(data, got);
        assertArrayEquals(store.read("ri4", 0, data.length), got);
    }

    @Test
    void readIntoFailuresLeaveThePositionAlone() {
        byte[] data = random(1000, 32);
        store.put("rf", ByteBuffer.wrap(data));
        for (boolean direct : new boolean[] {false, true}) {
            ByteBuffer small = direct ? ByteBuffer.allocateDirect(10) : ByteBuffer.allocate(10);
            ByteBuffer big = direct ? ByteBuffer.allocateDirect(1001) : ByteBuffer.allocate(1001);
            assertThrows(ChunkNotFoundException.class, () -> store.readInto("nope", 0, small));
            assertEquals(0, small.position());
            assertThrows(IllegalArgumentException.class, () -> store.readInto("rf", 0, big), "longer than the chunk");
            assertEquals(0, big.position());
            assertThrows(IllegalArgumentException.class, () -> store.readInto("rf", 995, small), "past the end");
            assertThrows(IllegalArgumentException.class, () -> store.readInto("rf", -1, small), "negative offset");
            assertThrows(IllegalArgumentException.class, () -> store.readInto("rf", Long.MAX_VALUE, small), "overflowing offset");
            assertEquals(0, small.position());
            assertThrows(IllegalArgumentException.class, () -> store.readInto("rf", 0, small.asReadOnlyBuffer()), "read-only");
            assertThrows(IllegalArgumentException.class, () -> store.readInto("bad/id", 0, small), "invalid id");
        }
        assertThrows(IllegalArgumentException.class, () -> store.readInto("rf", 0, null));
        assertStored("rf", data);
    }

    // ---- missing chunks

    @Test
    void missingChunk() {
        assertThrows(ChunkNotFoundException.class, () -> store.read("nope", 0, 0));
        assertThrows(ChunkNotFoundException.class, () -> store.read("nope", 0, 10));
        assertEquals(-1, store.size("nope"));
        assertFalse(store.delete("nope"));
        assertEquals(List.of(), listAll(null));
    }

    // ---- idempotence and delete

    @Test
    void putOfTheSameChunkIsIdempotent() {
        byte[] data = random(100_000, 13);
        store.put("same", ByteBuffer.wrap(data));
        store.put("same", ByteBuffer.wrap(data.clone()));
        store.put("same", ByteBuffer.allocateDirect(data.length).put(data).flip());
        assertStored("same", data);
        assertEquals(List.of("same"), listAll(null));
    }

    @Test
    void deleteRemovesOnceThenReportsFalse() {
        byte[] data = random(100_000, 14);
        store.put("d", ByteBuffer.wrap(data));
        store.put("keep", ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertTrue(store.delete("d"));
        assertEquals(-1, store.size("d"));
        assertThrows(ChunkNotFoundException.class, () -> store.read("d", 0, 1));
        assertFalse(store.delete("d"));
        assertEquals(List.of("keep"), listAll(null));
        assertStored("keep", new byte[] {1, 2, 3});
        // the id can be used again
        store.put("d", ByteBuffer.wrap(new byte[] {9}));
        assertStored("d", new byte[] {9});
    }

    @Test
    void deleteOfEmptyChunk() {
        store.put("z", ByteBuffer.allocate(0));
        assertTrue(store.delete("z"));
        assertEquals(-1, store.size("z"));
        assertFalse(store.delete("z"));
    }

    // ---- listing

    @Test
    void listIsAscendingAndStartAfterIsExclusive() {
        List<String> ids = new ArrayList<>(List.of("b", "a", "a-1", "a.1", "a_1", "A", "Z", "0", "9", "a0", "aa", "b.c", "zz"));
        Collections.shuffle(ids, new Random(15));
        for (String id : ids) store.put(id, ByteBuffer.wrap(id.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        List<String> sorted = new ArrayList<>(ids);
        Collections.sort(sorted); // ASCII: String order is byte order
        assertEquals(List.of("0", "9", "A", "Z", "a", "a-1", "a.1", "a0", "a_1", "aa", "b", "b.c", "zz"), sorted);
        assertEquals(sorted, listAll(null));
        assertEquals(sorted.subList(sorted.indexOf("a") + 1, sorted.size()), listAll("a"));
        assertEquals(List.of("b", "b.c", "zz"), listAll("a~"));   // between entries
        assertEquals(List.of("b.c", "zz"), listAll("b"));
        assertEquals(List.of(), listAll("zz"));
        assertEquals(List.of(), listAll("zzz"));
        assertEquals(sorted, listAll("-"));                     // before every entry
    }

    @Test
    void listStopsWhenTheVisitorSaysSo() {
        for (int i = 0; i < 20; i++) store.put(String.format("c%02d", i), ByteBuffer.wrap(new byte[] {(byte) i}));
        List<String> seen = new ArrayList<>();
        store.list(null, id -> {
            seen.add(id);
            return seen.size() < 3;
        });
        assertEquals(List.of("c00", "c01", "c02"), seen);

        List<String> one = new ArrayList<>();
        store.list("c10", id -> {
            one.add(id);
            return false;
        });
        assertEquals(List.of("c11"), one);
    }

    @Test
    void listOfEmptyStoreVisitsNothing() {
        store.list(null, id -> {
            throw new AssertionError("visited " + id);
        });
        store.list("a", id -> {
            throw new AssertionError("visited " + id);
        });
    }

    // ---- ids

    static final List<String> INVALID_IDS = Arrays.asList(null, "", "a/b", "../x", "a b", "a:b", "a\nb", "é", "a\u0000",
            "x".repeat(161), "sha256:" + "a".repeat(64), "a+b", "a%2f");

    @Test
    void invalidIdsRejected() {
        for (String id : INVALID_IDS) {
            String what = "id " + (id == null ? "null" : "\"" + id.replace("\n", "\\n") + "\"");
            assertThrows(IllegalArgumentException.class, () -> store.put(id, ByteBuffer.wrap(new byte[] {1})), what);
            assertThrows(IllegalArgumentException.class, () -> store.read(id, 0, 0), what);
            assertThrows(IllegalArgumentException.class, () -> store.size(id), what);
            assertThrows(IllegalArgumentException.class, () -> store.delete(id), what);
        }
        assertEquals(List.of(), listAll(null));
    }

    @Test
    void validIdsAccepted() {
        List<String> ids = List.of("a", "A", "0", ".", "..", "-", "_", "x".repeat(160),
                "0b9f6f0e-6f3e-4c53-9a0b-2b1d2f3c4d5e.17", "sha256_" + "f".repeat(64) + ".0");
        for (String id : ids) {
            assertTrue(ChunkStore.ID.matcher(id).matches(), id);
            store.put(id, ByteBuffer.wrap(id.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        }
        for (String id : ids) assertStored(id, id.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(ids.stream().sorted().toList(), listAll(null));
    }

    // ---- concurrency

    @Test
    void concurrentPutsAndGets() throws Exception {
        int threads = 6;
        int perThread = 24;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                tasks.add(() -> {
                    Random r = new Random(thread);
                    for (int i = 0; i < perThread; i++) {
                        String id = "t" + thread + "-" + i;
                        byte[] data = random(1 + r.nextInt(300_000), thread * 1000L + i);
                        ByteBuffer buf = (i % 2 == 0) ? ByteBuffer.wrap(data)
                                : ByteBuffer.allocateDirect(data.length).put(data).flip();
                        store.put(id, buf);
                        assertEquals(data.length, store.size(id));
                        assertArrayEquals(data, store.read(id, 0, data.length));
                        // read a chunk another thread may be writing right now: absent or complete
                        String other = "t" + ((thread + 1) % threads) + "-" + i;
                        long size = store.size(other);
                        if (size >= 0) {
                            byte[] expected = random((int) size, ((thread + 1) % threads) * 1000L + i);
                            assertArrayEquals(expected, store.read(other, 0, (int) size));
                        }
                        // an idempotent re-put by another thread
                        if (i % 5 == 0) store.put(id, ByteBuffer.wrap(data));
                    }
                    return null;
                });
            }
            List<Future<Void>> futures = new ArrayList<>();
            for (Callable<Void> c : tasks) futures.add(pool.submit(c));
            for (Future<Void> f : futures) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        List<String> all = listAll(null);
        assertEquals(threads * perThread, all.size());
        for (int t = 0; t < threads; t++) {
            Random r = new Random(t);
            for (int i = 0; i < perThread; i++) {
                byte[] data = random(1 + r.nextInt(300_000), t * 1000L + i);
                assertStored("t" + t + "-" + i, data);
            }
        }
    }

    @Test
    void concurrentDeletesReportTrueOnce() throws Exception {
        int ids = 50;
        for (int i = 0; i < ids; i++) store.put("del" + i, ByteBuffer.wrap(random(2000, i)));
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    int n = 0;
                    for (int i = 0; i < ids; i++) if (store.delete("del" + i)) n++;
                    return n;
                }));
            }
            int total = 0;
            for (Future<Integer> f : futures) total += f.get(60, TimeUnit.SECONDS);
            assertEquals(ids, total, "each chunk's delete returns true exactly once");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), listAll(null));
    }

    // ---- lifecycle

    @Test
    void closeIsIdempotent() {
        store.put("c", ByteBuffer.wrap(new byte[] {1}));
        store.close();
        store.close(); // must neither throw nor crash the JVM; @AfterEach closes a third time
    }

    // ---- persistence

    @Test
    void reopenKeepsChunks() {
        assumeTrue(persistent(), "store does not persist");
        byte[] small = random(100, 20);
        byte[] big = random(3 << 20, 21);
        store.put("small", ByteBuffer.wrap(small));
        store.put("big", ByteBuffer.allocateDirect(big.length).put(big).flip());
        store.put("empty", ByteBuffer.allocate(0));
        store.put("gone", ByteBuffer.wrap(random(200_000, 22)));
        assertTrue(store.delete("gone"));

        reopen();

        assertStored("small", small);
        assertStored("big", big);
        assertStored("empty", new byte[0]);
        assertEquals(-1, store.size("gone"));
        assertEquals(List.of("big", "empty", "small"), listAll(null));

        // and the reopened store takes writes that survive another reopen
        store.put("later", ByteBuffer.wrap(small));
        reopen();
        assertStored("later", small);
        assertStored("big", big);
    }
}
