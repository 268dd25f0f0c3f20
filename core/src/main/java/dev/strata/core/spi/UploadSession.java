package dev.strata.core.spi;

import dev.strata.core.events.Event.ChunkRef;
import java.util.List;

/** The state of a live upload session, as the uploads projection holds it. */
public record UploadSession(String uploadId, String repository, long size, List<ChunkRef> chunks,
                            long startedAt, long updatedAt) {
}
