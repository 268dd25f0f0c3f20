package dev.strata.core.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.strata.core.spi.KvStore;
import dev.strata.core.spi.MemoryKvStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Staged writes over a base store read exactly like the store they will make once flushed. */
class PendingWritesTest {
    private static final String[] PREFIXES = {"a/", "b/", "a/x", ""};

    @Test
    void readsAndScansSeeStagedWritesOverTheBaseAndFlushWritesThemOnce() {
        Random rnd = new Random(42);
        for (int round = 0; round < 200; round++) {
            MemoryKvStore base = new MemoryKvStore();
            TreeMap<String, String> expected = new TreeMap<>();
            KvStore.Batch seed = new KvStore.Batch();
            for (int i = 0; i < 30; i++) {
                String k = key(rnd);
                seed.put(k, bytes("base" + i));
                expected.put(k, "base" + i);
            }
            base.write(seed);
            PendingWrites pending = new PendingWrites(base);
            for (int i = 0; i < 40; i++) {
                KvStore.Batch b = new KvStore.Batch();
                String k = key(rnd);
                if (rnd.nextInt(3) == 0) {
                    b.delete(k);
                    expected.remove(k);
                } else {
                    b.put(k, bytes("staged" + i));
                    expected.put(k, "staged" + i);
                }
                pending.write(b);
            }
            for (String k : expected.keySet()) assertEquals(expected.get(k), string(pending.get(k)));
            assertNull(pending.get("zz-never"));
            for (String prefix : PREFIXES) {
                String startAfter = rnd.nextBoolean() ? null : key(rnd);
                int limit = 1 + rnd.nextInt(20);
                assertEquals(reference(expected, prefix, startAfter, limit), scan(pending, prefix, startAfter, limit),
                        "round " + round + " prefix " + prefix + " after " + startAfter);
            }
            pending.flush();
            assertEquals(0, pending.stagedOps());
            for (String prefix : PREFIXES) {
                assertEquals(reference(expected, prefix, null, 1000), scan(base, prefix, null, 1000), "flushed, round " + round);
            }
        }
    }

    @Test
    void largeStagesFlushEarly() {
        MemoryKvStore base = new MemoryKvStore();
        PendingWrites pending = new PendingWrites(base);
        pending.write(new KvStore.Batch().put("small", new byte[100]));
        pending.flushIfLarge();
        assertNull(base.get("small"), "small stages wait for the end of the poll");
        pending.write(new KvStore.Batch().put("big", new byte[(int) PendingWrites.FLUSH_BYTES]));
        pending.flushIfLarge();
        assertEquals(100, base.get("small").length);
        assertEquals(0, pending.stagedBytes());
    }

    @Test
    void baseIsUntouchedUntilFlush() {
        MemoryKvStore base = new MemoryKvStore();
        PendingWrites pending = new PendingWrites(base);
        pending.write(new KvStore.Batch().put("k", bytes("v")));
        assertNull(base.get("k"));
        assertArrayEquals(bytes("v"), pending.get("k"));
        pending.flush();
        assertArrayEquals(bytes("v"), base.get("k"));
    }

    @Test
    void keysSortAsUtf8BytesAlsoBeyondTheBasicPlane() {
        String[] keys = {"a", "a/", "ab", "\u00e9", "\uffff", "\ud83d\ude00", "z"};
        for (String x : keys) {
            for (String y : keys) {
                int expected = java.util.Arrays.compareUnsigned(x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8));
                assertEquals(Integer.signum(expected), Integer.signum(PendingWrites.compareUtf8(x, y)), x + " vs " + y);
            }
        }
    }

    private static String key(Random rnd) {
        String[] heads = {"a/", "b/", "a/x", "c"};
        return heads[rnd.nextInt(heads.length)] + rnd.nextInt(25);
    }

    private static List<String> reference(TreeMap<String, String> m, String prefix, String startAfter, int limit) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (!e.getKey().startsWith(prefix) || (startAfter != null && e.getKey().compareTo(startAfter) <= 0)) continue;
            if (out.size() == limit) break;
            out.add(e.getKey() + "=" + e.getValue());
        }
        return out;
    }

    private static List<String> scan(KvStore s, String prefix, String startAfter, int limit) {
        List<String> out = new ArrayList<>();
        s.scan(prefix, startAfter, (k, v) -> {
            out.add(k + "=" + string(v));
            return out.size() < limit;
        });
        return out;
    }

    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private static String string(byte[] b) { return b == null ? null : new String(b, StandardCharsets.UTF_8); }
}
