package dev.strata.core.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link KvStore} contract, for every implementation. A subclass supplies {@link #newStore(Path)};
 * a store that persists overrides {@link #persistent()} to return true so that the reopen test runs.
 */
public abstract class KvStoreConformance {
    @TempDir
    protected Path tempDir;

    /** The store under test, opened before each test on {@link #storeDir()} and closed after it. */
    protected KvStore store;

    /** Opens a store on {@code dir} (created or reused; a store that keeps no files may ignore it). */
    protected abstract KvStore newStore(Path dir);

    /** True when written batches survive {@link KvStore#close()} and a reopen on the same directory. */
    protected boolean persistent() {
        return false;
    }

    protected Path storeDir() {
        return tempDir.resolve("kv");
    }

    /** Closes the current store and opens a new one on the same directory. */
    protected void reopen() {
        store.close();
        store = null;
        store = newStore(storeDir());
    }

    @BeforeEach
    void openStore() {
        store = newStore(storeDir());
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
        store = null;
    }

    protected static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static String s(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    protected void put(String key, String value) {
        store.write(new KvStore.Batch().put(key, b(value)));
    }

    protected void delete(String key) {
        store.write(new KvStore.Batch().delete(key));
    }

    protected List<String> keys(String prefix, String startAfter) {
        List<String> out = new ArrayList<>();
        store.scan(prefix, startAfter, (k, v) -> {
            out.add(k);
            return true;
        });
        return out;
    }

    protected Map<String, String> entries(String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        store.scan(prefix, null, (k, v) -> {
            out.put(k, s(v));
            return true;
        });
        return out;
    }

    // ---- get / put / delete

    @Test
    void deleteAllRemovesEveryKeyUnderThePrefixAcrossBatches() {
        KvStore.Batch batch = new KvStore.Batch();
        for (int i = 0; i < 25_000; i++) batch.put(String.format("del/%05d", i), b("v")); // more than one delete batch
        batch.put("de", b("shorter")).put("dem/1", b("other prefix")).put("e", b("after"));
        store.write(batch);
        store.deleteAll("del/");
        assertEquals(List.of(), keys("del/", null));
        assertEquals(List.of("de", "dem/1", "e"), keys("", null));
        store.deleteAll("");
        assertEquals(List.of(), keys("", null), "the empty prefix deletes everything");
    }

    @Test
    void getOfMissingKeyIsNull() {
        assertNull(store.get("missing"));
        assertNull(store.get(""));
    }

    @Test
    void putGetOverwriteDelete() {
        put("k", "v1");
        assertEquals("v1", s(store.get("k")));
        put("k", "v2");
        assertEquals("v2", s(store.get("k")));
        delete("k");
        assertNull(store.get("k"));
        // deleting again, or a key never written, is a no-op
        delete("k");
        delete("never");
        assertNull(store.get("k"));
        assertEquals(List.of(), keys("", null));
    }

    @Test
    void emptyValueIsNotAbsence() {
        put("empty", "");
        byte[] v = store.get("empty");
        assertNotNull(v);
        assertEquals(0, v.length);
        assertEquals(List.of("empty"), keys("", null));
    }

    @Test
    void binaryValuesRoundTrip() {
        byte[] all = new byte[256 * 4];
        for (int i = 0; i < all.length; i++) all[i] = (byte) i;
        store.write(new KvStore.Batch().put("bin", all));
        assertArrayEquals(all, store.get("bin"));
        byte[] big = new byte[2 << 20];
        new Random(1).nextBytes(big);
        store.write(new KvStore.Batch().put("big", big));
        assertArrayEquals(big, store.get("big"));
    }

    @Test
    void nonAsciiKeysRoundTrip() {
        put("repo/café", "1");
        put("tag/☕", "2");
        put("emoji/😀", "3");
        assertEquals("1", s(store.get("repo/café")));
        assertEquals("2", s(store.get("tag/☕")));
        assertEquals("3", s(store.get("emoji/😀")));
        assertNull(store.get("repo/cafe"));
        assertEquals(List.of("emoji/😀"), keys("emoji/", null));
    }

    @Test
    void storedValuesAreIsolatedFromCallersArrays() {
        byte[] v = b("original");
        store.write(new KvStore.Batch().put("iso", v));
        v[0] = 'X';
        assertEquals("original", s(store.get("iso")));
        byte[] got = store.get("iso");
        got[0] = 'Y';
        assertEquals("original", s(store.get("iso")));
        store.scan("iso", null, (k, value) -> {
            value[0] = 'Z';
            return true;
        });
        assertEquals("original", s(store.get("iso")));
    }

    // ---- batches

    @Test
    void batchAppliesAllOperations() {
        put("old1", "x");
        put("old2", "x");
        store.write(new KvStore.Batch()
                .put("n1", b("a"))
                .put("n2", b("b"))
                .delete("old1")
                .put("old2", b("y"))
                .put("n3", b("c")));
        assertEquals(Map.of("n1", "a", "n2", "b", "n3", "c", "old2", "y"), entries(""));
    }

    @Test
    void batchOperationsApplyInOrder() {
        store.write(new KvStore.Batch().put("k", b("1")).put("k", b("2")));
        assertEquals("2", s(store.get("k")));
        store.write(new KvStore.Batch().put("k", b("3")).delete("k"));
        assertNull(store.get("k"));
        store.write(new KvStore.Batch().delete("k").put("k", b("4")));
        assertEquals("4", s(store.get("k")));
    }

    @Test
    void emptyBatchIsANoOp() {
        put("a", "1");
        store.write(new KvStore.Batch());
        assertEquals(Map.of("a", "1"), entries(""));
    }

    @Test
    void failedBatchAppliesNothing() {
        put("keep", "1");
        KvStore.Batch bad = new KvStore.Batch().put("first", b("x")).delete("keep").put(null, b("y"));
        assertThrows(RuntimeException.class, () -> store.write(bad));
        assertNull(store.get("first"), "a batch that fails applies none of its operations");
        assertEquals("1", s(store.get("keep")));
    }

    @Test
    void readersSeeAllOrNoneOfABatch() throws Exception {
        int keys = 16;
        int rounds = 1500;
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> reader = pool.submit(() -> {
                int scans = 0;
                while (!done.get() || scans == 0) {
                    List<String> values = new ArrayList<>();
                    store.scan("atomic/", null, (k, v) -> {
                        values.add(s(v));
                        return true;
                    });
                    assertTrue(values.isEmpty() || values.size() == keys, "saw part of a batch: " + values.size() + " keys");
                    for (String v : values) assertEquals(values.get(0), v, "saw two batches at once: " + values);
                    scans++;
                }
                return scans;
            });
            Future<?> writer = pool.submit(() -> {
                try {
                    for (int round = 0; round < rounds; round++) {
                        KvStore.Batch batch = new KvStore.Batch();
                        for (int k = 0; k < keys; k++) {
                            String key = String.format("atomic/%02d", k);
                            if (round % 3 == 2) batch.delete(key);
                            else batch.put(key, b("round-" + round));
                        }
                        store.write(batch);
                    }
                } finally {
                    done.set(true);
                }
                return null;
            });
            writer.get(60, TimeUnit.SECONDS);
            assertTrue(reader.get(60, TimeUnit.SECONDS) > 0);
        } finally {
            done.set(true);
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void concurrentWritersOnDistinctKeys() throws Exception {
        int threads = 4;
        int perThread = 500;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        String key = "w" + thread + "/" + String.format("%04d", i);
                        put(key, "v" + i);
                        assertEquals("v" + i, s(store.get(key)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        for (int t = 0; t < threads; t++) {
            List<String> ks = keys("w" + t + "/", null);
            assertEquals(perThread, ks.size());
            assertEquals("w" + t + "/0000", ks.get(0));
        }
    }

    // ---- scans

    @Test
    void scanIsInBytewiseOrderOfAsciiKeys() {
        List<String> ks = new ArrayList<>(List.of("a", "a-b", "a/b", "a|x", "b", "A", "a0", "a~", "ab", "a.b", "a b"));
        Collections.shuffle(ks, new Random(7));
        for (String k : ks) put(k, k);
        // ' ' 0x20 < '-' 0x2D < '.' 0x2E < '/' 0x2F < '0' 0x30 < 'A' 0x41 < 'b' 0x62 < '|' 0x7C < '~' 0x7E
        assertEquals(List.of("A", "a", "a b", "a-b", "a.b", "a/b", "a0", "ab", "a|x", "a~", "b"), keys("", null));
        assertEquals(List.of("a", "a-b", "a/b", "a|x", "b"),
                keys("", null).stream().filter(List.of("a", "a-b", "a/b", "a|x", "b")::contains).toList());
        Map<String, String> e = entries("a");
        assertEquals("a/b", e.get("a/b"));
    }

    @Test
    void scanIsInBytewiseOrderOfUtf8Keys() {
        // UTF-8 byte order (= code point order) differs from Java's UTF-16 String order for
        // supplementary characters against U+E000..U+FFFF.
        String bmpHigh = "\uFFFD";   // EF BF BD
        String privateUse = "\uE000"; // EE 80 80
        String emoji = "😀";          // F0 9F 98 80 (a surrogate pair in UTF-16)
        List<String> ks = new ArrayList<>(List.of("z", "é", privateUse, bmpHigh, emoji, bmpHigh + "a", emoji + "1", emoji + "2"));
        Collections.shuffle(ks, new Random(3));
        for (String k : ks) put(k, "v");
        assertEquals(List.of("z", "é", privateUse, bmpHigh, bmpHigh + "a", emoji, emoji + "1", emoji + "2"), keys("", null));
        assertEquals(List.of(emoji + "1", emoji + "2"), keys(emoji, emoji));
        // startAfter sorts before the prefix in byte order (though after it in UTF-16 order)
        assertEquals(List.of(emoji, emoji + "1", emoji + "2"), keys(emoji, bmpHigh));
        assertEquals(List.of(bmpHigh + "a", emoji, emoji + "1", emoji + "2"), keys("", bmpHigh));
    }

    @Test
    void prefixBoundaries() {
        for (String k : List.of("t/a", "t/a|1", "t/a|2", "t/a|20", "t/ab|1", "t/a}", "t/a{", "t/b|1", "t/", "t/a|")) put(k, k);
        assertEquals(List.of("t/a|", "t/a|1", "t/a|2", "t/a|20"), keys("t/a|", null));
        assertEquals(List.of("t/a", "t/a{", "t/a|", "t/a|1", "t/a|2", "t/a|20", "t/a}", "t/ab|1").stream().sorted().toList(),
                keys("t/a", null));
        assertEquals(List.of("t/ab|1"), keys("t/ab", null));
        assertEquals(List.of(), keys("t/ac", null));
        assertEquals(List.of(), keys("t/a|3", null));
        assertEquals(List.of("t/a|2", "t/a|20"), keys("t/a|2", null));
        assertEquals(10, keys("t/", null).size());
        assertEquals(10, keys("", null).size());
        assertEquals(List.of(), keys("u", null));
    }

    @Test
    void scanStartAfterIsExclusive() {
        for (String k : List.of("p/1", "p/2", "p/3", "p/4", "q/1")) put(k, k);
        assertEquals(List.of("p/3", "p/4"), keys("p/", "p/2"));
        assertEquals(List.of("p/3", "p/4"), keys("p/", "p/25"));   // between keys
        assertEquals(List.of("p/1", "p/2", "p/3", "p/4"), keys("p/", "p/"));
        assertEquals(List.of("p/1", "p/2", "p/3", "p/4"), keys("p/", "p"));    // before the prefix
        assertEquals(List.of("p/1", "p/2", "p/3", "p/4"), keys("p/", "a"));
        assertEquals(List.of(), keys("p/", "p/4"));
        assertEquals(List.of(), keys("p/", "p/9"));
        assertEquals(List.of(), keys("p/", "q"));                 // after the prefix range
        assertEquals(List.of(), keys("p/", "zzz"));
        assertEquals(List.of("q/1"), keys("", "p/4"));
        assertEquals(List.of("p/4", "q/1"), keys("", "p/3"));
    }

    @Test
    void scanStartAfterEqualToAKeyThatIsThePrefix() {
        put("p", "0");
        put("p/1", "1");
        assertEquals(List.of("p", "p/1"), keys("p", null));
        assertEquals(List.of("p/1"), keys("p", "p"));
    }

    @Test
    void scanStopsWhenTheVisitorSaysSo() {
        for (int i = 0; i < 10; i++) put(String.format("s/%02d", i), "v" + i);
        List<String> seen = new ArrayList<>();
        store.scan("s/", null, (k, v) -> {
            seen.add(k);
            return seen.size() < 3;
        });
        assertEquals(List.of("s/00", "s/01", "s/02"), seen);
        List<String> one = new ArrayList<>();
        store.scan("s/", "s/05", (k, v) -> {
            one.add(k + "=" + s(v));
            return false;
        });
        assertEquals(List.of("s/06=v6"), one);
    }

    @Test
    void scanPassesValues() {
        put("v/a", "1");
        put("v/b", "2");
        assertEquals(Map.of("v/a", "1", "v/b", "2"), entries("v/"));
    }

    @Test
    void scanOfEmptyStoreVisitsNothing() {
        store.scan("", null, (k, v) -> {
            throw new AssertionError("visited " + k);
        });
        store.scan("x", "a", (k, v) -> {
            throw new AssertionError("visited " + k);
        });
    }

    @Test
    void deletedKeysLeaveScans() {
        for (String k : List.of("d/1", "d/2", "d/3")) put(k, k);
        delete("d/2");
        assertEquals(List.of("d/1", "d/3"), keys("d/", null));
        assertEquals(List.of("d/3"), keys("d/", "d/1"));
    }

    // ---- lifecycle

    @Test
    void closeIsIdempotent() {
        put("c", "1");
        store.close();
        store.close(); // must neither throw nor crash the JVM; @AfterEach closes a third time
    }

    // ---- persistence

    @Test
    void reopenKeepsWrites() {
        assumeTrue(persistent(), "store does not persist");
        store.write(new KvStore.Batch().put("r/1", b("one")).put("r/2", b("two")).put("r/3", b("three")));
        store.write(new KvStore.Batch().delete("r/2").put("r/1", b("uno")));
        put("e", "");

        reopen();

        assertEquals("uno", s(store.get("r/1")));
        assertNull(store.get("r/2"));
        assertEquals("three", s(store.get("r/3")));
        assertEquals(0, store.get("e").length);
        assertEquals(List.of("r/1", "r/3"), keys("r/", null));

        put("r/4", "four");
        reopen();
        assertEquals(List.of("r/1", "r/3", "r/4"), keys("r/", null));
    }
}
