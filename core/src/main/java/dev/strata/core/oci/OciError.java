package dev.strata.core.oci;

/**
 * Every error the registry reports, with the OCI distribution-spec code it is rendered with and
 * the HTTP status it travels with. One enum for the whole code base: handlers never pick codes or
 * statuses themselves, they throw {@link OciException} with one of these.
 */
public enum OciError {
    BLOB_UNKNOWN("BLOB_UNKNOWN", 404, "blob unknown to registry"),
    BLOB_UPLOAD_INVALID("BLOB_UPLOAD_INVALID", 400, "blob upload invalid"),
    /** An out-of-order or overlapping chunk; the spec answers 416. */
    BLOB_UPLOAD_RANGE_INVALID("BLOB_UPLOAD_INVALID", 416, "chunk does not start at the end of the upload"),
    BLOB_UPLOAD_UNKNOWN("BLOB_UPLOAD_UNKNOWN", 404, "blob upload unknown to registry"),
    DIGEST_INVALID("DIGEST_INVALID", 400, "provided digest did not match uploaded content"),
    MANIFEST_BLOB_UNKNOWN("MANIFEST_BLOB_UNKNOWN", 400, "manifest references a manifest or blob unknown to registry"),
    MANIFEST_INVALID("MANIFEST_INVALID", 400, "manifest invalid"),
    MANIFEST_UNKNOWN("MANIFEST_UNKNOWN", 404, "manifest unknown to registry"),
    /** A manifest body larger than the configured maximum. */
    MANIFEST_TOO_LARGE("SIZE_INVALID", 413, "manifest too large"),
    NAME_INVALID("NAME_INVALID", 400, "invalid repository name"),
    NAME_UNKNOWN("NAME_UNKNOWN", 404, "repository name not known to registry"),
    SIZE_INVALID("SIZE_INVALID", 400, "provided length did not match content length"),
    TAG_INVALID("MANIFEST_INVALID", 400, "invalid tag"),
    PAGINATION_NUMBER_INVALID("PAGINATION_NUMBER_INVALID", 400, "invalid number of results requested"),
    /** A Range header on a blob GET that cannot be satisfied. */
    RANGE_NOT_SATISFIABLE("RANGE_INVALID", 416, "requested range not satisfiable"),
    /** A path that is not in the merged filesystem of an image (inspector API). */
    PATH_UNKNOWN("BLOB_UNKNOWN", 404, "no such path in the image"),
    /** A malformed path or query parameter of the inspector API. */
    PATH_INVALID("NAME_INVALID", 400, "invalid path or parameter"),
    UNAUTHORIZED("UNAUTHORIZED", 401, "authentication required"),
    DENIED("DENIED", 403, "requested access to the resource is denied"),
    UNSUPPORTED("UNSUPPORTED", 405, "the operation is unsupported"),
    ROUTE_UNKNOWN("UNSUPPORTED", 404, "no such endpoint"),
    TOO_MANY_REQUESTS("TOOMANYREQUESTS", 429, "too many requests"),
    UNAVAILABLE("UNAVAILABLE", 503, "service unavailable"),
    INTERNAL("UNKNOWN", 500, "internal error");

    private final String code;
    private final int status;
    private final String message;

    OciError(String code, int status, String message) {
        this.code = code;
        this.status = status;
        this.message = message;
    }

    /** The spec's error code, e.g. {@code BLOB_UNKNOWN}. */
    public String code() { return code; }

    /** The HTTP status this error is answered with. */
    public int status() { return status; }

    /** The spec's default human-readable message. */
    public String message() { return message; }

    public OciException exception(String detail) { return new OciException(this, detail); }

    public OciException exception() { return new OciException(this, null); }
}
