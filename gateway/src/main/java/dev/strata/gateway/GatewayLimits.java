package dev.strata.gateway;

import dev.strata.core.oci.Names;

/**
 * Limits that protect the gateway from hostile or broken clients, validated on construction.
 * A "client" is the remote IP address of the connection (behind a load balancer, that is the
 * balancer: put the per-client limits there too).
 *
 * @param requestHeadSeconds         a connection must deliver a complete request line and headers
 *                                   within this many seconds of opening, or of its previous response
 *                                   (slowloris); otherwise it is closed
 * @param maxHeaderBytes             largest request head (all header lines); larger gets 431
 * @param maxNameLength              longest repository name accepted (the grammar's cap is 255)
 * @param maxUploadsPerClient        upload requests with a body (POST/PATCH/PUT on blobs/uploads)
 *                                   in flight at once per client; more get 429 TOOMANYREQUESTS
 * @param requestsPerSecondPerClient sustained request rate per client; 0 disables rate limiting
 * @param burstPerClient             requests a client may send at once above the sustained rate
 * @param uploadSessionSeconds       an upload session older than this is cancelled when next used
 *                                   (404 BLOB_UPLOAD_UNKNOWN)
 */
public record GatewayLimits(int requestHeadSeconds, int maxHeaderBytes, int maxNameLength, int maxUploadsPerClient,
                            double requestsPerSecondPerClient, int burstPerClient, long uploadSessionSeconds) {
    public GatewayLimits {
        if (requestHeadSeconds < 1 || requestHeadSeconds > 3600) throw new IllegalArgumentException("request head timeout must be 1..3600 s");
        if (maxHeaderBytes < 4096 || maxHeaderBytes > 1 << 20) throw new IllegalArgumentException("max header size must be 4 KiB..1 MiB");
        if (maxNameLength < 2 || maxNameLength > Names.MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("max repository name length must be 2.." + Names.MAX_NAME_LENGTH);
        }
        if (maxUploadsPerClient < 1 || maxUploadsPerClient > 100_000) throw new IllegalArgumentException("max uploads per client must be 1..100000");
        if (!(requestsPerSecondPerClient >= 0) || requestsPerSecondPerClient > 1e6) {
            throw new IllegalArgumentException("requests per second per client must be 0 (off)..1000000");
        }
        if (burstPerClient < 1 || burstPerClient > 1_000_000) throw new IllegalArgumentException("burst per client must be 1..1000000");
        if (uploadSessionSeconds < 1 || uploadSessionSeconds > 30L * 86400) throw new IllegalArgumentException("upload session lifetime must be 1 s..30 days");
    }

    /** 30 s request head, 16 KiB headers, names up to 255, 64 uploads per client, no rate limit (burst 100), uploads live 24 h. */
    public static GatewayLimits defaults() {
        return new GatewayLimits(30, 16384, Names.MAX_NAME_LENGTH, 64, 0, 100, 86400);
    }

    public GatewayLimits withUploadSessionSeconds(long v) {
        return new GatewayLimits(requestHeadSeconds, maxHeaderBytes, maxNameLength, maxUploadsPerClient, requestsPerSecondPerClient, burstPerClient, v);
    }

    public GatewayLimits withRequestHeadSeconds(int v) {
        return new GatewayLimits(v, maxHeaderBytes, maxNameLength, maxUploadsPerClient, requestsPerSecondPerClient, burstPerClient, uploadSessionSeconds);
    }

    public GatewayLimits withMaxUploadsPerClient(int v) {
        return new GatewayLimits(requestHeadSeconds, maxHeaderBytes, maxNameLength, v, requestsPerSecondPerClient, burstPerClient, uploadSessionSeconds);
    }

    public GatewayLimits withRate(double perSecond, int burst) {
        return new GatewayLimits(requestHeadSeconds, maxHeaderBytes, maxNameLength, maxUploadsPerClient, perSecond, burst, uploadSessionSeconds);
    }

    public GatewayLimits withMaxNameLength(int v) {
        return new GatewayLimits(requestHeadSeconds, maxHeaderBytes, v, maxUploadsPerClient, requestsPerSecondPerClient, burstPerClient, uploadSessionSeconds);
    }
}
