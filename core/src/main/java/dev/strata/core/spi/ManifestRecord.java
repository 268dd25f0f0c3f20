package dev.strata.core.spi;

import dev.strata.core.oci.Descriptor;
import java.util.List;
import java.util.Map;

/** A manifest stored in a repository, as the repository projection holds it. */
public record ManifestRecord(String digest, String mediaType, long size, String chunkId,
                             List<String> blobs, List<String> manifests, Descriptor subject,
                             String artifactType, Map<String, String> annotations, long pushedAt) {
}
