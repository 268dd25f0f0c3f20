package dev.strata.core.spi;

import dev.strata.core.oci.Digest;
import java.util.Map;

/**
 * Storage quotas per namespace (the first component of a repository name, or a configured prefix:
 * see {@link Namespaces}). Usage counts each
 * distinct blob and manifest once per namespace, whichever repositories of it hold them, and
 * follows pushes, deletes and garbage collection.
 */
public interface Quotas {
    /** @param limit bytes allowed, or -1 for no quota */
    record Quota(String namespace, long limit, long usage) {}

    /** How repository names map to namespaces here. */
    Namespaces namespaces();

    Quota quota(String namespace);

    /** Sets (bytes >= 0) or removes (bytes = -1) the namespace's quota, as an event. */
    void set(String namespace, long bytes, String actor);

    /**
     * Refuses with DENIED, naming the quota and the usage, when adding these digests (with their
     * sizes) to the repository's namespace would exceed its quota. Digests the namespace already
     * holds add nothing.
     */
    void check(String repository, Map<Digest, Long> additions);
}
