package dev.strata.core.spi;

import dev.strata.core.oci.Reference;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Looks inside images without pulling them: the layer history and the filesystem a container would
 * see, merged from the layer tars with the overlay2/aufs union-mount rules. Backed by the layer
 * index projection of the inspector module. Failures are {@link dev.strata.core.oci.OciException}s:
 * MANIFEST_UNKNOWN for a reference (or a platform) that does not resolve, PATH_UNKNOWN and
 * PATH_INVALID for paths, UNAVAILABLE while the index has not caught up.
 *
 * <p>{@code platform} ("os/arch" or "os/arch/variant") picks the child of an image index; it may be
 * null for an image manifest, or for an index with exactly one image.
 */
public interface ImageInspector {

    /** One layer (or empty-layer history step) of an image, bottom first. */
    record HistoryStep(String createdBy, String created, String comment, boolean emptyLayer, String digest,
                       String mediaType, String compression, Long compressedSize, Long uncompressedSize,
                       Integer entries, Integer added, Integer changed, Integer deleted, List<String> errors) {}

    /** The history of the image that {@code digest} names (the child manifest for an index). */
    record History(String digest, String config, String platform, List<HistoryStep> steps) {}

    /**
     * One entry of the merged filesystem.
     *
     * @param path   absolute path, e.g. /etc/os-release
     * @param type   file, dir, symlink, hardlink, char, block, fifo
     * @param size   bytes of a file (of the target for a hardlink); 0 otherwise
     * @param mode   permission bits (with setuid/setgid/sticky), octal when printed
     * @param link   target of a symlink or hardlink, else null
     * @param digest sha256 of a file's content when it was at most the configured size, else null
     * @param layer  digest of the layer this entry comes from
     */
    record FsEntry(String path, String type, long size, int mode, long uid, long gid, String link, String digest,
                   String layer) {}

    /** The merged listing of one directory. {@code truncated} when more than the page limit exists. */
    record Listing(String digest, String path, FsEntry dir, List<FsEntry> entries, boolean truncated) {}

    /** A regular file of the merged filesystem, and how to read it from the layer that wins. */
    interface FileContent {
        FsEntry entry();

        /** The file's bytes from {@code offset} to its end. The caller closes the stream. */
        InputStream open(long offset) throws IOException;
    }

    /** One difference between two images: {@code from} is the older side (null when added). */
    record Change(String path, String kind, FsEntry from, FsEntry to) {}

    /** Files added, removed and changed going from {@code from} to {@code to}. */
    record Diff(String from, String to, int added, int removed, int changed, List<Change> changes, boolean truncated) {}

    History history(String repository, Reference reference, String platform);

    Listing list(String repository, Reference reference, String platform, String path);

    FileContent file(String repository, Reference reference, String platform, String path);

    Diff diff(String repository, Reference reference, Reference from, String platform);
}
