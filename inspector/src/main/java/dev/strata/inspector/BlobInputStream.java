package dev.strata.inspector;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.spi.ChunkStore;
import java.io.InputStream;
import java.util.List;

/** Reads a committed blob chunk by chunk from the chunk store, one segment of at most 1 MiB in memory. */
final class BlobInputStream extends InputStream {
    static final int SEGMENT = 1 << 20;

    private final ChunkStore store;
    private final List<ChunkRef> chunks;
    private int chunk;
    private long chunkOffset;
    private byte[] segment = new byte[0];
    private int segmentPos;

    BlobInputStream(ChunkStore store, List<ChunkRef> chunks) {
        this.store = store;
        this.chunks = chunks;
    }

    private boolean fill() {
        while (segmentPos >= segment.length) {
            if (chunk >= chunks.size()) return false;
            ChunkRef c = chunks.get(chunk);
            if (chunkOffset >= c.length()) {
                chunk++;
                chunkOffset = 0;
                continue;
            }
            int n = (int) Math.min(SEGMENT, c.length() - chunkOffset);
            segment = store.read(c, chunkOffset, n);
            segmentPos = 0;
            chunkOffset += n;
        }
        return true;
    }

    @Override
    public int read() {
        return fill() ? segment[segmentPos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) return 0;
        if (!fill()) return -1;
        int n = Math.min(len, segment.length - segmentPos);
        System.arraycopy(segment, segmentPos, b, off, n);
        segmentPos += n;
        return n;
    }
}
