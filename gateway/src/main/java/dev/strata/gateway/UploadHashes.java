package dev.strata.gateway;

import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The running SHA-256 of uploads this gateway has streamed, keyed by upload id and the byte count
 * it covers. A missing or stale state is not an error: the caller re-hashes the upload's stored
 * chunks (another gateway, or a restart, wrote them). Bounded: least recently used states drop.
 */
final class UploadHashes {
    record State(long offset, MessageDigest digest) {}

    private final int capacity;
    private final LinkedHashMap<String, State> map;

    UploadHashes(int capacity) {
        this.capacity = capacity;
        this.map = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, State> e) {
                return size() > UploadHashes.this.capacity;
            }
        };
    }

    /** A copy of the digest state at exactly {@code offset}, or null. */
    synchronized MessageDigest at(String uploadId, long offset) {
        State s = map.get(uploadId);
        if (s == null || s.offset() != offset) return null;
        try {
            return (MessageDigest) s.digest().clone();
        } catch (CloneNotSupportedException e) {
            return null;
        }
    }

    synchronized void put(String uploadId, long offset, MessageDigest digest) {
        map.put(uploadId, new State(offset, digest));
    }

    synchronized void remove(String uploadId) {
        map.remove(uploadId);
    }
}
