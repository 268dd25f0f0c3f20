package dev.strata.core.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest, {@code algorithm:encoded}, per the OCI image-spec digest grammar. Only the
 * registered algorithms sha256 and sha512 are accepted; anything else is DIGEST_INVALID.
 */
public record Digest(String algorithm, String encoded) implements Comparable<Digest> {
    private static final Pattern GRAMMAR = Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
    private static final Pattern HEX64 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern HEX128 = Pattern.compile("[a-f0-9]{128}");
    /** Longest digest string accepted (sha512 is 135 characters). */
    public static final int MAX_LENGTH = 200;

    public Digest {
        if (!"sha256".equals(algorithm) && !"sha512".equals(algorithm)) {
            throw OciError.DIGEST_INVALID.exception("unsupported digest algorithm: " + truncate(algorithm));
        }
        Pattern p = "sha256".equals(algorithm) ? HEX64 : HEX128;
        if (encoded == null || !p.matcher(encoded).matches()) {
            throw OciError.DIGEST_INVALID.exception("invalid " + algorithm + " digest: " + truncate(encoded));
        }
    }

    /** Parses a digest string; throws DIGEST_INVALID with a clear message on anything malformed. */
    public static Digest parse(String s) {
        if (s == null || s.isEmpty()) throw OciError.DIGEST_INVALID.exception("digest is missing");
        if (s.length() > MAX_LENGTH || !GRAMMAR.matcher(s).matches()) {
            throw OciError.DIGEST_INVALID.exception("malformed digest: " + truncate(s));
        }
        int colon = s.indexOf(':');
        return new Digest(s.substring(0, colon), s.substring(colon + 1));
    }

    /** True when the string is a well-formed digest of a supported algorithm. */
    public static boolean isDigest(String s) {
        try {
            parse(s);
            return true;
        } catch (OciException e) {
            return false;
        }
    }

    public static Digest sha256(byte[] data) {
        return of(newSha256().digest(data));
    }

    public static Digest of(byte[] sha256) {
        return new Digest("sha256", HexFormat.of().formatHex(sha256));
    }

    public static MessageDigest newSha256() {
        return newMessageDigest("sha256");
    }

    /** A fresh JDK MessageDigest for this digest's algorithm. */
    public MessageDigest newMessageDigest() {
        return newMessageDigest(algorithm);
    }

    private static MessageDigest newMessageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance("sha256".equals(algorithm) ? "SHA-256" : "SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Finishes a MessageDigest of this digest's algorithm and compares. */
    public boolean matches(MessageDigest finished) {
        return encoded.equals(HexFormat.of().formatHex(finished.digest()));
    }

    @Override
    public String toString() { return algorithm + ":" + encoded; }

    @Override
    public int compareTo(Digest o) { return toString().compareTo(o.toString()); }

    static String truncate(String s) {
        if (s == null) return "null";
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
