package dev.strata.core.spi;

import dev.strata.core.oci.Descriptor;
import java.util.List;
import java.util.Map;

/**
 * A manifest stored in a repository, as the repository projection holds it. {@code chunkPlacement}
 * is where its chunk was written (null when not recorded).
 */
public record ManifestRecord(String digest, String mediaType, long size, String chunkId,
                             List<String> blobs, List<String> manifests, Descriptor subject,
                             String artifactType, Map<String, String> annotations, long pushedAt,
                             dev.strata.core.events.Event.Placement chunkPlacement) {
    /** The manifest's chunk, read through the placement it was written under. */
    public dev.strata.core.events.Event.ChunkRef chunk() {
        return new dev.strata.core.events.Event.ChunkRef(chunkId, size, null, chunkPlacement);
    }
}
