package dev.strata.core.spi;

import dev.strata.core.events.Event.ChunkRef;
import java.util.List;

/** A committed blob: its digest, size and the chunks that hold its bytes, in order. */
public record BlobRecord(String digest, long size, List<ChunkRef> chunks) {
}
