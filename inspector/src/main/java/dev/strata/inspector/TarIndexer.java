package dev.strata.inspector;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Streams once through a layer blob (gzip, zstd or plain tar) and records every entry. Memory is
 * bounded whatever the layer's size: content is hashed through one 64 KiB buffer, headers are
 * bounded by {@link InspectorConfig#maxHeaderBytes()}, entries by {@link InspectorConfig#maxEntries()}
 * and the decompressed bytes by {@link InspectorConfig#maxUncompressedBytes()}. Malformed or hostile
 * input never throws: it ends up in {@link LayerIndex#errors()}, with everything read before it kept.
 */
public final class TarIndexer {
    private static final int BLOCK = 512;
    private static final int MAX_ERRORS = 100;
    private static final String WH = ".wh.";
    private static final String OPQ = ".wh..wh..opq";

    private final InspectorConfig config;
    private final List<LayerEntry> entries = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private final byte[] buf = new byte[1 << 16];
    private Layers.Capped in;
    private long pos;

    private TarIndexer(InspectorConfig config) {
        this.config = config;
    }

    /** Indexes one layer blob read from {@code raw} (which the caller closes). */
    public static LayerIndex index(InputStream raw, InspectorConfig config) {
        return new TarIndexer(config).run(raw);
    }

    private LayerIndex run(InputStream raw) {
        String compression = "unknown";
        try {
            Layers.Opened o = Layers.open(raw);
            compression = o.compression();
            in = new Layers.Capped(o.tar(), config.maxUncompressedBytes());
            if (readEntries()) {
                // after a clean end of archive the rest (padding) still counts towards the uncompressed size;
                // after an error nothing more is read: a hostile blob costs no more than what was parsed
                while (in.read(buf) >= 0) {
                    // drain, bounded by the cap
                }
            }
        } catch (Layers.CapExceeded e) {
            error(e.getMessage());
        } catch (EOFException e) {
            error("truncated: the stream ends inside " + e.getMessage() + " at byte " + pos);
        } catch (IOException | RuntimeException e) {
            error("unreadable at byte " + pos + ": " + e);
        }
        return new LayerIndex(compression, in == null ? 0 : in.count, List.copyOf(entries), List.copyOf(errors));
    }

    private void error(String s) {
        if (errors.size() < MAX_ERRORS) errors.add(s);
    }

    /** The PAX or GNU values that apply to the next entry. */
    private static final class Pending {
        String path;
        String link;
        Long size;
        Long uid;
        Long gid;
    }

    /** Reads entries up to the end-of-archive marker (true) or the first error that stops parsing (false). */
    private boolean readEntries() throws IOException {
        byte[] h = new byte[BLOCK];
        Pending pending = new Pending();
        while (true) {
            if (!readBlock(h)) {
                error("truncated: no end-of-archive marker");
                return false;
            }
            if (allZero(h)) return true; // end of archive
            long headerAt = pos - BLOCK;
            if (!checksumOk(h)) {
                error("bad header checksum at byte " + headerAt + "; not a tar stream past here");
                return false;
            }
            char type = (char) (h[156] & 0xff);
            long size = pending.size != null && type != 'x' && type != 'g' && type != 'L' && type != 'K' ? pending.size : number(h, 124, 12);
            if (size < 0) {
                error("invalid size field at byte " + headerAt);
                return false;
            }
            if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
                if (size > config.maxHeaderBytes()) {
                    error("extended header of " + size + " bytes at byte " + headerAt + " exceeds " + config.maxHeaderBytes());
                    return false;
                }
                byte[] body = readData((int) size);
                if (type == 'x') pax(body, pending, headerAt);
                else if (type == 'L') pending.path = cstr(body, 0, body.length);
                else if (type == 'K') pending.link = cstr(body, 0, body.length);
                // 'g' (global) headers carry nothing the index needs
                continue;
            }
            if (entries.size() >= config.maxEntries()) {
                error("more than " + config.maxEntries() + " entries; the rest of the layer is not indexed");
                return false;
            }
            String name = pending.path != null ? pending.path : ustarName(h);
            String link = pending.link != null ? pending.link : cstr(h, 157, 100);
            long uid = pending.uid != null ? pending.uid : number(h, 108, 8);
            long gid = pending.gid != null ? pending.gid : number(h, 116, 8);
            int mode = (int) (number(h, 100, 8) & 07777);
            pending = new Pending();
            long dataAt = pos;
            char t = entryType(type);
            // links, directories and devices carry no data whatever their size field says (as in Go's archive/tar)
            boolean hasData = t == LayerEntry.FILE;
            String digest = null;
            if (hasData && size <= config.maxDigestBytes()) digest = hashData(size);
            else skipData(hasData || t == 0 ? size : 0);
            if (t == 0) {
                error("unsupported entry type '" + printable(type) + "' for " + clip(name) + " at byte " + headerAt + "; skipped");
                continue;
            }
            record(name, t, hasData ? size : 0, mode, uid, gid, link, digest, dataAt, headerAt);
        }
    }

    private static char entryType(char type) {
        switch (type) {
            case '0': case '\0': case '7': return LayerEntry.FILE;
            case '1': return LayerEntry.HARDLINK;
            case '2': return LayerEntry.SYMLINK;
            case '3': return LayerEntry.CHAR;
            case '4': return LayerEntry.BLOCK;
            case '5': return LayerEntry.DIR;
            case '6': return LayerEntry.FIFO;
            default: return 0;
        }
    }

    private void record(String name, char type, long size, int mode, long uid, long gid, String link, String digest,
                        long dataAt, long headerAt) {
        if (name.length() > config.maxPathBytes() || link.length() > config.maxPathBytes()) {
            error("path or link longer than " + config.maxPathBytes() + " at byte " + headerAt + "; skipped");
            return;
        }
        String path = normalise(name);
        if (path == null) {
            error("path traversal or absolute path " + clip(name) + " at byte " + headerAt + "; skipped");
            return;
        }
        if (path.equals("/")) return; // the root directory itself ("./")
        int slash = path.lastIndexOf('/');
        String base = path.substring(slash + 1);
        String parent = slash == 0 ? "" : path.substring(0, slash);
        if (base.equals(OPQ)) {
            entries.add(new LayerEntry(parent.isEmpty() ? "/" : parent, LayerEntry.OPAQUE, 0, 0, 0, 0, null, null, dataAt));
            return;
        }
        if (base.startsWith(WH)) {
            if (base.startsWith(WH + WH)) return; // other aufs metadata (.wh..wh.plnk, ...): not content
            String target = base.substring(WH.length());
            if (target.isEmpty() || target.equals(".") || target.equals("..")) {
                error("invalid whiteout " + clip(name) + " at byte " + headerAt + "; skipped");
                return;
            }
            entries.add(new LayerEntry(parent + "/" + target, LayerEntry.WHITEOUT, 0, 0, 0, 0, null, null, dataAt));
            return;
        }
        String target = null;
        if (type == LayerEntry.HARDLINK) {
            target = normalise(link);
            if (target == null || target.equals("/")) {
                error("hardlink " + clip(name) + " to " + clip(link) + " escapes the layer at byte " + headerAt + "; skipped");
                return;
            }
        } else if (type == LayerEntry.SYMLINK) {
            target = link;
        }
        entries.add(new LayerEntry(path, type, size, mode, uid, gid, target, digest, dataAt));
    }

    /** "./a/b/", "a//b" → "/a/b"; null for an absolute path or one with a ".." component. */
    static String normalise(String name) {
        if (name.startsWith("/")) return null;
        StringBuilder sb = new StringBuilder();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) return null;
            sb.append('/').append(part);
        }
        return sb.length() == 0 ? "/" : sb.toString();
    }

    private void pax(byte[] body, Pending p, long headerAt) {
        int i = 0;
        while (i < body.length) {
            int sp = i;
            while (sp < body.length && body[sp] != ' ') sp++;
            int len;
            try {
                len = Integer.parseInt(new String(body, i, sp - i, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                error("malformed PAX header at byte " + headerAt);
                return;
            }
            if (len <= sp - i + 1 || i + len > body.length) {
                error("malformed PAX record length at byte " + headerAt);
                return;
            }
            String rec = new String(body, sp + 1, i + len - sp - 2, StandardCharsets.UTF_8);
            int eq = rec.indexOf('=');
            if (eq > 0) {
                String k = rec.substring(0, eq);
                String v = rec.substring(eq + 1);
                try {
                    switch (k) {
                        case "path": p.path = v; break;
                        case "linkpath": p.link = v; break;
                        case "size": p.size = nonNegative(v); break;
                        case "uid": p.uid = nonNegative(v); break;
                        case "gid": p.gid = nonNegative(v); break;
                        default: break;
                    }
                } catch (NumberFormatException e) {
                    error("invalid PAX " + k + " at byte " + headerAt);
                }
            }
            i += len;
        }
    }

    private static long nonNegative(String v) {
        long n = Long.parseLong(v.trim());
        if (n < 0) throw new NumberFormatException(v);
        return n;
    }

    private static String ustarName(byte[] h) {
        String name = cstr(h, 0, 100);
        boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r';
        if (ustar && h[262] == 0) { // POSIX ustar (GNU has "ustar  \0" and no prefix field)
            String prefix = cstr(h, 345, 155);
            if (!prefix.isEmpty()) return prefix + "/" + name;
        }
        return name;
    }

    private String hashData(long size) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) throw new EOFException("file content");
            md.update(buf, 0, n);
            left -= n;
            pos += n;
        }
        skipPadding(size);
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    private void skipData(long size) throws IOException {
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) throw new EOFException("entry content");
            left -= n;
            pos += n;
        }
        skipPadding(size);
    }

    private void skipPadding(long size) throws IOException {
        int pad = (int) ((BLOCK - size % BLOCK) % BLOCK);
        if (pad > 0 && in.readNBytes(buf, 0, pad) != pad) throw new EOFException("padding");
        pos += pad;
    }

    private byte[] readData(int size) throws IOException {
        byte[] b = in.readNBytes(size);
        if (b.length != size) throw new EOFException("an extended header");
        pos += size;
        skipPadding(size);
        return b;
    }

    private boolean readBlock(byte[] h) throws IOException {
        int n = in.readNBytes(h, 0, BLOCK);
        pos += n;
        if (n == 0) return false;
        if (n < BLOCK) throw new EOFException("a header");
        return true;
    }

    private static boolean allZero(byte[] h) {
        for (byte b : h) if (b != 0) return false;
        return true;
    }

    private static boolean checksumOk(byte[] h) {
        long stored = number(h, 148, 8);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = i >= 148 && i < 156 ? ' ' : h[i];
            unsigned += b & 0xff;
            signed += (byte) b;
        }
        return stored == unsigned || stored == signed;
    }

    /** An octal field (NUL/space padded), or base-256 when the high bit is set; -1 if malformed. */
    static long number(byte[] h, int off, int len) {
        if ((h[off] & 0x80) != 0) {
            if ((h[off] & 0x40) != 0) return -1; // negative
            long v = h[off] & 0x3f;
            for (int i = 1; i < len; i++) {
                if (v > (Long.MAX_VALUE >> 8)) return -1;
                v = (v << 8) | (h[off + i] & 0xff);
            }
            return v;
        }
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && (h[i] == ' ' || h[i] == 0)) i++;
        boolean any = false;
        for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) {
            if (v > (Long.MAX_VALUE >> 3)) return -1;
            v = v * 8 + (h[i] - '0');
            any = true;
        }
        for (; i < end; i++) if (h[i] != ' ' && h[i] != 0) return -1;
        return any ? v : 0;
    }

    private static String cstr(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static String clip(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    private static String printable(char c) {
        return c >= 32 && c < 127 ? String.valueOf(c) : String.format("\\x%02x", (int) c);
    }
}
