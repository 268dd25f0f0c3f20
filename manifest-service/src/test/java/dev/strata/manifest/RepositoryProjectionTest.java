package dev.strata.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.core.events.Event;
import dev.strata.core.oci.Descriptor;
import dev.strata.core.spi.KvStore;
import dev.strata.core.spi.MemoryKvStore;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The repositories projection's apply function: pure state transitions over a KvStore. */
class RepositoryProjectionTest {
    private static final String M1 = "sha256:" + "1".repeat(64);
    private static final String M2 = "sha256:" + "2".repeat(64);
    private static final String SUBJECT = "sha256:" + "5".repeat(64);
    private final MemoryKvStore store = new MemoryKvStore();

    private void apply(Event e) {
        KvStore.Batch b = new KvStore.Batch();
        ManifestServiceImpl.apply(e, store, b);
        store.write(b);
    }

    private Event.ManifestPushed pushed(String repo, String digest, Descriptor subject) {
        return new Event.ManifestPushed(repo, digest, "application/vnd.oci.image.manifest.v1+json", 10, "m-x",
                List.of(), List.of(), subject, "application/x", Map.of("k", "v"), 1);
    }

    @Test
    void linksAndUnlinks() {
        apply(new Event.BlobLinked("a/b", M1, 1));
        assertNotNull(store.get(ManifestServiceImpl.LINK + "a/b|" + M1));
        assertNotNull(store.get(ManifestServiceImpl.REPO + "a/b"));
        assertNull(store.get(ManifestServiceImpl.LINK + "a/bc|" + M1));
        apply(new Event.BlobUnlinked("a/b", M1, 2));
        assertNull(store.get(ManifestServiceImpl.LINK + "a/b|" + M1));
    }

    @Test
    void deletingAManifestDropsItsTagsAndReferrerEntryButNotOtherTags() {
        apply(pushed("r", M1, new Descriptor("application/vnd.oci.image.manifest.v1+json", SUBJECT, 3, null, null)));
        apply(pushed("r", M2, null));
        apply(new Event.TagUpdated("r", "a", M1, 2));
        apply(new Event.TagUpdated("r", "b", M1, 2));
        apply(new Event.TagUpdated("r", "c", M2, 2));
        assertNotNull(store.get(ManifestServiceImpl.REFERRER + "r|" + SUBJECT + "|" + M1));
        apply(new Event.ManifestDeleted("r", M1, 3));
        assertNull(store.get(ManifestServiceImpl.MANIFEST + "r|" + M1));
        assertNull(store.get(ManifestServiceImpl.TAG + "r|a"));
        assertNull(store.get(ManifestServiceImpl.TAG + "r|b"));
        assertEquals(M2, new String(store.get(ManifestServiceImpl.TAG + "r|c")));
        assertNull(store.get(ManifestServiceImpl.REFERRER + "r|" + SUBJECT + "|" + M1));
        // deleting again is a no-op
        apply(new Event.ManifestDeleted("r", M1, 4));
    }

    @Test
    void tagsOfOneRepositoryDoNotLeakIntoAnotherWithACommonPrefix() {
        apply(pushed("r", M1, null));
        apply(pushed("r2", M2, null));
        apply(new Event.TagUpdated("r", "t", M1, 1));
        apply(new Event.TagUpdated("r2", "t", M2, 1));
        apply(new Event.ManifestDeleted("r", M1, 2));
        assertEquals(M2, new String(store.get(ManifestServiceImpl.TAG + "r2|t")));
    }

    @Test
    void foreignEventsAreRejectedLoudly() {
        assertThrows(IllegalArgumentException.class, () -> apply(new Event.UploadStarted("u", "r", 1)));
    }
}
