package dev.strata.core.oci;

/** A failure that is answered with the spec's error body for {@link #error()}. */
public final class OciException extends RuntimeException {
    private final OciError error;
    private final String detail;

    public OciException(OciError error, String detail) {
        this(error, detail, null);
    }

    public OciException(OciError error, String detail, Throwable cause) {
        super(error.code() + ": " + (detail == null ? error.message() : detail), cause, false, false);
        this.error = error;
        this.detail = detail;
    }

    public OciError error() { return error; }

    /** What went wrong for this request, or null to use the spec's message only. */
    public String detail() { return detail; }
}
