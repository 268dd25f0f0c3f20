package dev.strata.inspector;

import java.util.List;

/**
 * What the indexer learned from one layer blob.
 *
 * @param compression      gzip, zstd or none, from the blob's first bytes
 * @param uncompressedSize bytes of the tar stream (up to where reading stopped when {@code errors} say so)
 * @param entries          entries in tar order, whiteouts and opaque markers included
 * @param errors           what was malformed or hostile; the entries before it are still indexed
 */
public record LayerIndex(String compression, long uncompressedSize, List<LayerEntry> entries, List<String> errors) {
}
