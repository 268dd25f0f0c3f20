package dev.strata.inspector;

/**
 * Bounds of the layer indexer and the inspector API, validated on construction. Every input a
 * layer tar controls is bounded by one of these.
 *
 * @param maxDigestBytes       files up to this size get a sha256 of their content in the index
 * @param maxEntries           entries per layer; a layer with more is indexed up to here and marked with an error
 * @param maxHeaderBytes       largest PAX extended header or GNU long name/link body
 * @param maxPathBytes         longest path or link target
 * @param maxUncompressedBytes tar-bomb cap: a layer that decompresses to more is indexed up to here, with an error
 * @param maxImageEntries      entries in the merged filesystem of one image (API requests over more fail)
 * @param maxListEntries       entries in one fs listing or diff answer; more are cut, with truncated=true
 * @param maxConfigBytes       largest image config blob read for the history
 * @param cacheImages          merged filesystems kept in memory for the API (LRU)
 */
public record InspectorConfig(long maxDigestBytes, int maxEntries, int maxHeaderBytes, int maxPathBytes,
                              long maxUncompressedBytes, int maxImageEntries, int maxListEntries, int maxConfigBytes,
                              int cacheImages) {
    public InspectorConfig {
        if (maxDigestBytes < 0) throw new IllegalArgumentException("inspector max digest bytes must be >= 0");
        if (maxEntries < 1 || maxEntries > 10_000_000) throw new IllegalArgumentException("inspector max entries must be 1..10000000");
        if (maxHeaderBytes < 512 || maxHeaderBytes > 64 << 20) throw new IllegalArgumentException("inspector max header bytes must be 512..64 MiB");
        if (maxPathBytes < 100 || maxPathBytes > 1 << 20) throw new IllegalArgumentException("inspector max path bytes must be 100..1 MiB");
        if (maxUncompressedBytes < 1024) throw new IllegalArgumentException("inspector max uncompressed bytes must be >= 1024");
        if (maxImageEntries < 1) throw new IllegalArgumentException("inspector max image entries must be >= 1");
        if (maxListEntries < 1) throw new IllegalArgumentException("inspector max list entries must be >= 1");
        if (maxConfigBytes < 1024 || maxConfigBytes > 64 << 20) throw new IllegalArgumentException("inspector max config bytes must be 1 KiB..64 MiB");
        if (cacheImages < 0) throw new IllegalArgumentException("inspector cache size must be >= 0");
    }

    /** The defaults {@code strata serve} uses. */
    public static InspectorConfig defaults() {
        return new InspectorConfig(64L << 20, 200_000, 1 << 20, 4096, 64L << 30, 500_000, 10_000, 8 << 20, 8);
    }
}
