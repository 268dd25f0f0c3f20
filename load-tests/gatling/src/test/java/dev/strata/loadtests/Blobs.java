package dev.strata.loadtests;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Unique, incompressible layer contents without generating random bytes per push: a copy of one
 * shared random block, with the first 16 bytes overwritten by a counter and a random value. Every
 * layer therefore has its own digest (no dedup, no mounts), and building one costs a copy plus
 * its SHA-256.
 */
final class Blobs {
    static final int MAX_BYTES = 128 << 20;
    private static final byte[] BASE = new byte[MAX_BYTES];
    private static final AtomicLong COUNTER = new AtomicLong();

    static {
        new Random(20261129L).nextBytes(BASE);
    }

    record Blob(byte[] data, String digest) {}

    private Blobs() {}

    static Blob layer(int bytes) {
        if (bytes < 16 || bytes > MAX_BYTES) throw new IllegalArgumentException("layer of " + bytes + " bytes");
        byte[] b = new byte[bytes];
        System.arraycopy(BASE, 0, b, 0, bytes);
        ByteBuffer.wrap(b).putLong(COUNTER.incrementAndGet()).putLong(ThreadLocalRandom.current().nextLong());
        return new Blob(b, sha256(b));
    }

    /** A small image config (unique by its "created" nonce). */
    static Blob config() {
        String json = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"nonce\":\""
                + COUNTER.incrementAndGet() + "-" + ThreadLocalRandom.current().nextLong()
                + "\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return new Blob(b, sha256(b));
    }

    static String sha256(byte[] b) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
