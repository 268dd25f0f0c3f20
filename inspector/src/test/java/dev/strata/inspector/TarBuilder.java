package dev.strata.inspector;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/**
 * Writes POSIX tar archives for tests, including what hostile input looks like: any name, PAX
 * records, wrong sizes, missing end marker. Uncompressed, gzip or zstd.
 */
public final class TarBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private long mtime = 1_700_000_000L;

    public TarBuilder dir(String name, int mode) { return entry(name, '5', mode, 0, 0, "", new byte[0]); }

    public TarBuilder file(String name, int mode, byte[] content) { return entry(name, '0', mode, 0, 0, "", content); }

    public TarBuilder file(String name, byte[] content) { return file(name, 0644, content); }

    public TarBuilder file(String name, String content) { return file(name, content.getBytes(StandardCharsets.UTF_8)); }

    public TarBuilder symlink(String name, String target) { return entry(name, '2', 0777, 0, 0, target, new byte[0]); }

    public TarBuilder hardlink(String name, String target) { return entry(name, '1', 0644, 0, 0, target, new byte[0]); }

    /** A whiteout deleting {@code dir/name}. */
    public TarBuilder whiteout(String dir, String name) { return file((dir.isEmpty() ? "" : dir + "/") + ".wh." + name, 0, new byte[0]); }

    /** The opaque marker of {@code dir}. */
    public TarBuilder opaque(String dir) { return file(dir + "/.wh..wh..opq", 0, new byte[0]); }

    /** A PAX extended header ('x') holding the records, applied to the next entry. */
    public TarBuilder pax(String... keyValues) {
        StringBuilder sb = new StringBuilder();
        for (String kv : keyValues) {
            String rec = " " + kv + "\n";
            int len = rec.length() + 1;
            while (Integer.toString(len).length() + rec.length() != len) len++;
            sb.append(len).append(rec);
        }
        byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
        return entry("PaxHeaders/x", 'x', 0644, 0, 0, "", body);
    }

    /** Any entry; {@code content} is written as the entry's data (its length is the size field). */
    public TarBuilder entry(String name, char type, int mode, long uid, long gid, String link, byte[] content) {
        write(header(name, type, mode, uid, gid, link, content.length));
        write(content);
        write(new byte[(int) ((512 - content.length % 512) % 512)]);
        return this;
    }

    /** A header whose size field says {@code size}, without writing the content. */
    public TarBuilder headerOnly(String name, long size) {
        write(header(name, '0', 0644, 0, 0, "", size));
        return this;
    }

    public TarBuilder raw(byte[] b) {
        write(b);
        return this;
    }

    /** The archive with its end-of-archive marker. */
    public byte[] tar() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(out.toByteArray());
        b.writeBytes(new byte[1024]);
        return b.toByteArray();
    }

    /** The archive without the end marker (a truncated stream). */
    public byte[] unterminated() { return out.toByteArray(); }

    public byte[] gzip() { return gzip(tar()); }

    public byte[] zstd() { return zstd(tar()); }

    public static byte[] gzip(byte[] b) { return compress(b, GZIPOutputStream::new); }

    public static byte[] zstd(byte[] b) { return compress(b, ZstdOutputStream::new); }

    private interface Codec {
        OutputStream wrap(OutputStream out) throws IOException;
    }

    private static byte[] compress(byte[] b, Codec codec) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (OutputStream z = codec.wrap(o)) {
            z.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return o.toByteArray();
    }

    private void write(byte[] b) { out.writeBytes(b); }

    private byte[] header(String name, char type, int mode, long uid, long gid, String link, long size) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 100) {
            // split into prefix/name at a slash, as ustar does
            int cut = name.lastIndexOf('/', Math.min(name.length() - 1, 155));
            byte[] pre = name.substring(0, cut).getBytes(StandardCharsets.UTF_8);
            n = name.substring(cut + 1).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(pre, 0, h, 345, Math.min(pre.length, 155));
        }
        System.arraycopy(n, 0, h, 0, Math.min(n.length, 100));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtime);
        h[156] = (byte) type;
        byte[] l = link.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(l, 0, h, 157, Math.min(l.length, 100));
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        for (int i = 148; i < 156; i++) h[i] = ' ';
        long sum = 0;
        for (byte b : h) sum += b & 0xff;
        octal(h, 148, 7, sum);
        return h;
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = Long.toOctalString(v);
        if (s.length() > len - 1) throw new IllegalArgumentException("value " + v + " does not fit");
        s = "0".repeat(len - 1 - s.length()) + s;
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
    }
}
