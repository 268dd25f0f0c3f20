package dev.strata.core.oci;

import java.util.List;
import java.util.Map;

/**
 * What the registry needs to know of a validated manifest: its media type, the blobs and child
 * manifests it references (which must exist in the repository), and the fields the referrers API
 * reports.
 *
 * @param mediaType    the manifest's media type (from Content-Type or its own mediaType field)
 * @param blobs        config and layer digests that must be present in the repository
 * @param manifests    child manifests (of an index) that must be present in the repository
 * @param subject      the subject descriptor, or null
 * @param artifactType artifactType, else the config media type for image manifests, else null
 * @param annotations  the manifest's annotations, never null
 */
public record Manifest(String mediaType, List<Digest> blobs, List<Digest> manifests, Descriptor subject,
                       String artifactType, Map<String, String> annotations) {
}
