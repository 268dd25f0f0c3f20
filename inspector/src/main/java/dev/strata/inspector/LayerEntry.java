package dev.strata.inspector;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One entry of a layer tar as the index stores it (short JSON names: there are many).
 *
 * @param path   normalised absolute path ("/etc/passwd"); for a whiteout the path it deletes, for an
 *               opaque marker the directory whose lower contents it hides
 * @param type   {@link #FILE}, {@link #DIR}, {@link #SYMLINK}, {@link #HARDLINK}, {@link #CHAR},
 *               {@link #BLOCK}, {@link #FIFO}, {@link #WHITEOUT}, {@link #OPAQUE}
 * @param size   content bytes of a file
 * @param mode   permission bits including setuid, setgid and sticky
 * @param link   symlink target as written, or the normalised absolute hardlink target
 * @param digest sha256 of a file's content when small enough, else null
 * @param offset where the content starts in the uncompressed tar stream
 */
public record LayerEntry(@JsonProperty("p") String path, @JsonProperty("t") char type, @JsonProperty("s") long size,
                         @JsonProperty("m") int mode, @JsonProperty("u") long uid, @JsonProperty("g") long gid,
                         @JsonProperty("l") String link, @JsonProperty("d") String digest, @JsonProperty("o") long offset) {
    public static final char FILE = 'f';
    public static final char DIR = 'd';
    public static final char SYMLINK = 'l';
    public static final char HARDLINK = 'h';
    public static final char CHAR = 'c';
    public static final char BLOCK = 'b';
    public static final char FIFO = 'p';
    public static final char WHITEOUT = 'w';
    public static final char OPAQUE = 'o';

    /** The API's name for a type. */
    public static String typeName(char t) {
        switch (t) {
            case FILE: return "file";
            case DIR: return "dir";
            case SYMLINK: return "symlink";
            case HARDLINK: return "hardlink";
            case CHAR: return "char";
            case BLOCK: return "block";
            case FIFO: return "fifo";
            case WHITEOUT: return "whiteout";
            case OPAQUE: return "opaque";
            default: return "unknown";
        }
    }

    boolean isMarker() { return type == WHITEOUT || type == OPAQUE; }
}
