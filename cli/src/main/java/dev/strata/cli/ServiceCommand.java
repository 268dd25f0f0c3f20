package dev.strata.cli;

import dev.strata.core.config.YamlConfig;
import java.nio.file.Path;
import java.util.Set;

/** {@code strata gateway | upload-service | manifest-service | gc-service --config FILE}: one service as its own process. */
final class ServiceCommand {
    static final Set<String> NAMES = Set.of("gateway", "upload-service", "manifest-service", "gc-service");
    static final String USAGE = """
            usage: strata gateway|upload-service|manifest-service|gc-service --config FILE
              gateway           the OCI API; stateless, any number behind a load balancer
              upload-service    upload sessions and the blob index (internal HTTP API)
              manifest-service  links, manifests, tags, referrers, catalog (internal HTTP API)
              gc-service        reference and usage projection, online GC, quotas (run one)
                                --config  YAML settings; environment variables STRATA_CONFIG_<KEY> override
                                          them (see docs/configuration.md)
            """;

    /** Config keys holding paths, resolved against the config file's directory. */
    static final Set<String> SERVICE_PATHS = Set.of("data", "tls.cert", "tls.key", "tls.ca");

    private ServiceCommand() {}

    /** The typed config of service {@code name} from {@code file} (YAML, env overrides, validation); IllegalArgumentException when invalid. */
    static Record load(String name, Path file) {
        return switch (name) {
            case "gateway" -> YamlConfig.load(file, ProcessConfig.Gateway.class,
                    Set.of("auth", "tlsCert", "tlsKey", "internalTls.cert", "internalTls.key", "internalTls.ca"));
            case "upload-service" -> YamlConfig.load(file, ProcessConfig.UploadService.class, SERVICE_PATHS);
            case "manifest-service" -> YamlConfig.load(file, ProcessConfig.ManifestService.class, SERVICE_PATHS);
            case "gc-service" -> YamlConfig.load(file, ProcessConfig.GcService.class, SERVICE_PATHS);
            default -> throw new IllegalArgumentException("unknown service " + name);
        };
    }

    static void run(String name, String[] args) throws InterruptedException {
        Path file;
        Record config;
        try {
            file = StorageNodeCommand.configFile(args);
            config = load(name, file);
        } catch (IllegalArgumentException e) {
            System.err.println("strata " + name + ": " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        ServiceProcess process;
        try {
            process = switch (name) {
                case "gateway" -> ServiceProcess.gateway((ProcessConfig.Gateway) config);
                case "upload-service" -> ServiceProcess.upload((ProcessConfig.UploadService) config);
                case "manifest-service" -> ServiceProcess.manifest((ProcessConfig.ManifestService) config);
                default -> ServiceProcess.gc((ProcessConfig.GcService) config);
            };
        } catch (Exception e) {
            Main.cannotStart("strata " + name, e);
            return;
        }
        String what;
        if (config instanceof ProcessConfig.Gateway g) {
            what = "the OCI Distribution API on " + (g.tlsCert() != null ? "https" : "http") + "://" + ProcessConfig.host(g.listen()) + ":"
                    + process.port() + "/v2/ (health on port " + process.adminPort() + ")";
        } else {
            what = "its internal API on port " + process.port();
        }
        Main.runUntilStopped("strata " + name, process, "strata " + name + " ready: serving " + what + " port=" + process.port()
                + " adminPort=" + process.adminPort());
    }
}
