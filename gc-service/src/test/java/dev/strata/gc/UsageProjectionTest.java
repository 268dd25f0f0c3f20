package dev.strata.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.core.events.Event;
import dev.strata.core.spi.KvStore;
import dev.strata.core.spi.MemoryKvStore;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageProjectionTest {
    private final MemoryKvStore store = new MemoryKvStore();

    private void apply(Event e) {
        KvStore.Batch b = new KvStore.Batch();
        GcService.handler(dev.strata.core.spi.Namespaces.firstComponent()).apply(e, store, b);
        store.write(b);
    }

    @Test
    void eachDistinctBlobCountsOnce() {
        apply(new Event.BlobCommitted("sha256:" + "1".repeat(64), 100, List.of(), "u1", 1));
        apply(new Event.BlobCommitted("sha256:" + "2".repeat(64), 50, List.of(), "u2", 1));
        apply(new Event.BlobCommitted("sha256:" + "1".repeat(64), 100, List.of(), "u3", 1)); // a lost race
        assertEquals(2, Long.parseLong(new String(store.get(GcService.BLOBS))));
        assertEquals(150, Long.parseLong(new String(store.get(GcService.BYTES))));
    }
}
