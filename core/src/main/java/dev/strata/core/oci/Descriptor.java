package dev.strata.core.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/** An OCI content descriptor, as it appears in manifests, indexes and the referrers response. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Descriptor(String mediaType, String digest, long size, String artifactType,
                         Map<String, String> annotations) {
}
