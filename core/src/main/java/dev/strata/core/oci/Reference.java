package dev.strata.core.oci;

/** A manifest reference: either a tag or a digest. Exactly one of the two is non-null. */
public record Reference(String tag, Digest digest) {
    public static Reference parse(String s) {
        if (s != null && s.indexOf(':') >= 0) return new Reference(null, Digest.parse(s));
        if (Names.isTag(s)) return new Reference(s, null);
        throw OciError.MANIFEST_INVALID.exception("invalid reference (neither tag nor digest): " + Digest.truncate(s));
    }

    public static Reference of(Digest d) { return new Reference(null, d); }

    public boolean isDigest() { return digest != null; }

    @Override
    public String toString() { return digest != null ? digest.toString() : tag; }
}
