package dev.strata.cli;

import dev.strata.core.metrics.Health;
import dev.strata.core.rpc.InternalClient;
import dev.strata.core.rpc.InternalServer;
import dev.strata.core.rpc.RemoteGc;
import dev.strata.core.rpc.RemoteManifestService;
import dev.strata.core.rpc.RemoteUploadService;
import dev.strata.gc.GcService;
import dev.strata.manifest.ManifestServiceImpl;
import dev.strata.upload.UploadServiceImpl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The services of one JVM behind their internal HTTP APIs on loopback, with the HTTP clients the
 * gateway process uses: the multi-process wiring in one JVM, for tests of that wiring.
 */
final class InternalWiring implements AutoCloseable {
    private final InternalServer uploadServer;
    private final InternalServer manifestServer;
    private final InternalServer gcServer;
    private final RemoteUploadService uploads;
    private final RemoteManifestService manifests;
    private final RemoteGc gc;

    InternalWiring(UploadServiceImpl u, ManifestServiceImpl m, GcService g, Duration timeout) throws IOException {
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        uploadServer = new InternalServer("upload-service", any, 16, new Health())
                .beforeOp(() -> u.projection().awaitLogEnd(timeout))
                .beforeRead(() -> u.projection().awaitLogEndOrServeApplied(timeout));
        RemoteUploadService.bind(uploadServer, u);
        manifestServer = new InternalServer("manifest-service", any, 16, new Health())
                .beforeOp(() -> m.projection().awaitLogEnd(timeout))
                .beforeRead(() -> m.projection().awaitLogEndOrServeApplied(timeout));
        RemoteManifestService.bind(manifestServer, m);
        gcServer = new InternalServer("gc-service", any, 8, new Health())
                .beforeOp(() -> g.projection().awaitLogEnd(timeout))
                .beforeRead(() -> g.projection().awaitLogEndOrServeApplied(timeout));
        RemoteGc.bind(gcServer, g, g);
        uploads = new RemoteUploadService(client("upload-service", uploadServer, timeout));
        manifests = new RemoteManifestService(client("manifest-service", manifestServer, timeout));
        gc = new RemoteGc(client("gc-service", gcServer, timeout));
    }

    private static InternalClient client(String name, InternalServer s, Duration timeout) {
        return new InternalClient(name, List.of("http://127.0.0.1:" + s.port()), timeout, timeout.multipliedBy(2));
    }

    RemoteUploadService uploads() { return uploads; }

    RemoteManifestService manifests() { return manifests; }

    RemoteGc gc() { return gc; }

    @Override
    public void close() {
        uploadServer.close();
        manifestServer.close();
        gcServer.close();
    }
}
