package dev.strata.inspector;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Opens a layer blob's tar stream: compression detected from the magic bytes, not the media type. */
final class Layers {
    static final String GZIP = "gzip";
    static final String ZSTD = "zstd";
    static final String NONE = "none";

    private Layers() {}

    /** The stream and what it was compressed with. */
    record Opened(String compression, InputStream tar) {}

    static Opened open(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new Opened(GZIP, new GZIPInputStream(in, 1 << 16));
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            return new Opened(ZSTD, new BufferedInputStream(new ZstdInputStream(in), 1 << 16));
        }
        return new Opened(NONE, in);
    }

    /** Thrown when a stream passes its byte cap (a tar bomb). */
    static final class CapExceeded extends IOException {
        CapExceeded(long cap) { super("decompresses to more than " + cap + " bytes (tar bomb cap)"); }
    }

    /** Counts bytes read and fails with {@link CapExceeded} past the cap. */
    static final class Capped extends FilterInputStream {
        private final long cap;
        long count;

        Capped(InputStream in, long cap) {
            super(in);
            this.cap = cap;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) add(1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, (int) Math.min(len, cap - count + 1));
            if (n > 0) add(n);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(n, 1 << 16)];
            long done = 0;
            while (done < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - done));
                if (r < 0) break;
                done += r;
            }
            return done;
        }

        private void add(long n) throws CapExceeded {
            count += n;
            if (count > cap) throw new CapExceeded(cap);
        }
    }
}
