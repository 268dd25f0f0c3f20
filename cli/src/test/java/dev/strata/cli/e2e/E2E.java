package dev.strata.cli.e2e;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/** Small shared helpers for the end-to-end tests: paths, random data, hashing, tar reading. */
final class E2E {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final SecureRandom SEEDS = new SecureRandom();

    static {
        // Each run starts from an empty target/e2e so data from earlier runs does not pile up.
        try {
            rmrf(targetDir().resolve("e2e"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private E2E() {
    }

    /** The module's target/ directory (surefire sets basedir; fall back to the working dir). */
    static Path targetDir() {
        String base = System.getProperty("basedir");
        if (base == null || base.isBlank()) {
            base = System.getProperty("user.dir");
        }
        return Paths.get(base).toAbsolutePath().resolve("target");
    }

    /** A new empty directory under target/e2e/work. */
    static Path freshDir(String name) {
        Path dir = targetDir().resolve("e2e").resolve("work")
                .resolve(name + "-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet());
        try {
            rmrf(dir);
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    static long freshSeed() {
        return SEEDS.nextLong();
    }

    /** A lower-case random token usable in repository names. */
    static String token() {
        return Long.toString(Math.abs(SEEDS.nextLong() % 2_000_000_000L), 36);
    }

    /** Writes size bytes of fresh pseudo-random data (new seed each call) and returns the file. */
    static Path randomFile(Path file, long size) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (InputStream in = new PrngStream(freshSeed(), size);
             OutputStream out = Files.newOutputStream(file)) {
            in.transferTo(out);
        }
        return file;
    }

    /**
     * Writes an uncompressed ustar archive holding, for each entry of {@code files} (path -> size),
     * a regular file of fresh random bytes (or of the given content when the value is a byte[]).
     * Returns path -> sha256 digest of each file's content.
     */
    static Map<String, String> writeTar(Path tar, Map<String, ?> files) throws IOException {
        Files.createDirectories(tar.toAbsolutePath().getParent());
        Map<String, String> digests = new LinkedHashMap<>();
        long mtime = System.currentTimeMillis() / 1000;
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tar), 1 << 16)) {
            for (Map.Entry<String, ?> e : files.entrySet()) {
                String name = e.getKey();
                InputStream content;
                long size;
                if (e.getValue() instanceof byte[]) {
                    byte[] b = (byte[]) e.getValue();
                    content = new java.io.ByteArrayInputStream(b);
                    size = b.length;
                } else {
                    size = ((Number) e.getValue()).longValue();
                    content = new PrngStream(freshSeed(), size);
                }
                out.write(tarHeader(name, size, mtime));
                MessageDigest md = sha256();
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = content.read(buf)) > 0) {
                    md.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
                out.write(new byte[(int) ((512 - size % 512) % 512)]);
                digests.put(name, "sha256:" + HexFormat.of().formatHex(md.digest()));
            }
            out.write(new byte[1024]);
        }
        return digests;
    }

    private static byte[] tarHeader(String name, long size, long mtime) {
        byte[] h = new byte[512];
        byte[] nb = name.getBytes(StandardCharsets.UTF_8);
        if (nb.length > 100) {
            throw new IllegalArgumentException("tar name too long: " + name);
        }
        System.arraycopy(nb, 0, h, 0, nb.length);
        octal(h, 100, 8, 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtime);
        for (int k = 148; k < 156; k++) {
            h[k] = ' ';
        }
        h[156] = '0';
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        System.arraycopy("root".getBytes(StandardCharsets.US_ASCII), 0, h, 265, 4);
        System.arraycopy("root".getBytes(StandardCharsets.US_ASCII), 0, h, 297, 4);
        long sum = 0;
        for (byte x : h) {
            sum += x & 0xff;
        }
        String chk = String.format("%06o", sum);
        System.arraycopy(chk.getBytes(StandardCharsets.US_ASCII), 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = String.format("%0" + (len - 1) + "o", v);
        if (s.length() > len - 1) {
            throw new IllegalArgumentException("value too large for tar field: " + v);
        }
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
        h[off + len - 1] = 0;
    }

    static byte[] randomBytes(int size) {
        byte[] b = new byte[size];
        new SplittableRandom(freshSeed()).nextBytes(b);
        return b;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String digest(byte[] data) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(data));
    }

    static String digest(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return digest(in);
        }
    }

    /** Streams the input to its end and returns its sha256 digest as "sha256:hex". */
    static String digest(InputStream in) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
            md.update(buf, 0, n);
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    static String hex(String digest) {
        int colon = digest.indexOf(':');
        return colon < 0 ? digest : digest.substring(colon + 1);
    }

    static void rmrf(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        // rm -rf copes with read-only directories that container layers often contain.
        try {
            Process p = new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("rm -rf " + dir + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static String tail(Path file, int maxChars) {
        try {
            if (!Files.exists(file)) {
                return "(no file " + file + ")";
            }
            byte[] b = Files.readAllBytes(file);
            String s = new String(b, StandardCharsets.UTF_8);
            return s.length() <= maxChars ? s : "..." + s.substring(s.length() - maxChars);
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /**
     * Reads the regular files of a tar stream (optionally gzip-compressed, detected by magic)
     * into name -> sha256 digest and size. Handles ustar prefixes, PAX path records and GNU long
     * names. Names are normalised without a leading "./" or "/".
     */
    static Map<String, String> tarFileDigests(InputStream raw) throws IOException {
        InputStream in = raw.markSupported() ? raw : new java.io.BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            in = new java.io.BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        Map<String, String> files = new LinkedHashMap<>();
        byte[] header = new byte[512];
        String longName = null;
        String paxPath = null;
        while (true) {
            if (!readFully(in, header)) {
                break;
            }
            boolean allZero = true;
            for (byte x : header) {
                if (x != 0) {
                    allZero = false;
                    break;
                }
            }
            if (allZero) {
                break;
            }
            String name = cstr(header, 0, 100);
            String prefix = cstr(header, 345, 155);
            if (!prefix.isEmpty() && "ustar".equals(cstr(header, 257, 5))) {
                name = prefix + "/" + name;
            }
            long size = parseSize(header);
            char type = (char) header[156];
            long padded = (size + 511) / 512 * 512;
            if (type == 'x' || type == 'L' || type == 'g') {
                byte[] body = readN(in, (int) size);
                skip(in, padded - size);
                if (type == 'L') {
                    longName = cstr(body, 0, body.length);
                } else if (type == 'x') {
                    paxPath = paxValue(body, "path");
                }
                continue;
            }
            if (longName != null) {
                name = longName;
            }
            if (paxPath != null) {
                name = paxPath;
            }
            longName = null;
            paxPath = null;
            if (type == '0' || type == '\0' || type == '7') {
                MessageDigest md = sha256();
                long left = size;
                byte[] buf = new byte[1 << 16];
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw new EOFException("tar entry " + name + " truncated");
                    }
                    md.update(buf, 0, n);
                    left -= n;
                }
                skip(in, padded - size);
                files.put(normalise(name), "sha256:" + HexFormat.of().formatHex(md.digest()));
            } else {
                skip(in, padded);
            }
        }
        return files;
    }

    private static String normalise(String name) {
        while (name.startsWith("./") || name.startsWith("/")) {
            name = name.startsWith("./") ? name.substring(2) : name.substring(1);
        }
        return name;
    }

    private static String paxValue(byte[] body, String key) {
        String s = new String(body, StandardCharsets.UTF_8);
        int pos = 0;
        while (pos < s.length()) {
            int sp = s.indexOf(' ', pos);
            if (sp < 0) {
                break;
            }
            int len = Integer.parseInt(s.substring(pos, sp));
            String rec = s.substring(sp + 1, pos + len - 1);
            int eq = rec.indexOf('=');
            if (eq > 0 && rec.substring(0, eq).equals(key)) {
                return rec.substring(eq + 1);
            }
            pos += len;
        }
        return null;
    }

    private static long parseSize(byte[] h) {
        if ((h[124] & 0x80) != 0) {
            long v = 0;
            for (int k = 125; k < 136; k++) {
                v = (v << 8) | (h[k] & 0xff);
            }
            return v;
        }
        String oct = cstr(h, 124, 12).trim();
        return oct.isEmpty() ? 0 : Long.parseLong(oct, 8);
    }

    private static String cstr(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static boolean readFully(InputStream in, byte[] buf) throws IOException {
        int got = 0;
        while (got < buf.length) {
            int n = in.read(buf, got, buf.length - got);
            if (n < 0) {
                if (got == 0) {
                    return false;
                }
                throw new EOFException("truncated tar header");
            }
            got += n;
        }
        return true;
    }

    private static byte[] readN(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        if (n > 0 && !readFully(in, b)) {
            throw new EOFException();
        }
        return b;
    }

    private static void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            long k = in.skip(n);
            if (k <= 0) {
                if (in.read() < 0) {
                    throw new EOFException();
                }
                k = 1;
            }
            n -= k;
        }
    }

    static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    /**
     * A deterministic pseudo-random byte stream of a given length: the same seed always yields
     * the same bytes, so a huge blob can be regenerated instead of stored.
     */
    static final class PrngStream extends InputStream {
        private final SplittableRandom rnd;
        private final long length;
        private long pos;
        private final byte[] block = new byte[1 << 16];
        private int blockPos = block.length;

        PrngStream(long seed, long length) {
            this.rnd = new SplittableRandom(seed);
            this.length = length;
        }

        private void refill() {
            for (int k = 0; k < block.length; k += 8) {
                long v = rnd.nextLong();
                block[k] = (byte) v;
                block[k + 1] = (byte) (v >>> 8);
                block[k + 2] = (byte) (v >>> 16);
                block[k + 3] = (byte) (v >>> 24);
                block[k + 4] = (byte) (v >>> 32);
                block[k + 5] = (byte) (v >>> 40);
                block[k + 6] = (byte) (v >>> 48);
                block[k + 7] = (byte) (v >>> 56);
            }
            blockPos = 0;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= length) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int done = 0;
            while (done < len && pos < length) {
                if (blockPos == block.length) {
                    refill();
                }
                int n = (int) Math.min(Math.min(len - done, block.length - blockPos), length - pos);
                System.arraycopy(block, blockPos, b, off + done, n);
                blockPos += n;
                done += n;
                pos += n;
            }
            return done;
        }

        @Override
        public long skip(long n) {
            // Skipping still has to advance the generator.
            long left = Math.min(n, length - pos);
            byte[] sink = new byte[1 << 16];
            long done = 0;
            while (done < left) {
                done += read(sink, 0, (int) Math.min(sink.length, left - done));
            }
            return done;
        }
    }
}
