package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.strata.core.metrics.Monitoring;
import dev.strata.gateway.auth.AuthConfig;
import dev.strata.storage.PlacementConfig;
import dev.strata.storage.StorageNodeConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every manifest under deploy/kubernetes, parsed with fabric8 and rendered per overlay (the
 * kustomization fields used here: resources, namespace, images), checked against the code:
 * no unknown fields; every container has liveness and readiness probes on the paths the servers
 * answer ({@link Monitoring}) and on a declared port, and CPU and memory requests and limits; the
 * image is the one deploy/image/build.sh makes, at the project's version; the command is a real
 * strata command whose arguments parse with the command's own parser, and the port it listens on
 * is the container port; config files in ConfigMaps and Secrets load with the services' own
 * config loaders (unknown keys fail); Services, Ingress backends, PDBs, HPAs and NetworkPolicies
 * point at things that exist; the registry's --storage-nodes list names the storage-node pods;
 * writes are acknowledged only once on stable storage (serve {@code --fsync}, storage nodes
 * {@code fsync: true}).
 */
class KubernetesManifestsTest {
    static final Path ROOT = Path.of("..", "deploy", "kubernetes").toAbsolutePath().normalize();
    static final Set<String> KUSTOMIZATION_KEYS = Set.of("apiVersion", "kind", "resources", "namespace", "images");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final KubernetesSerialization K8S = new KubernetesSerialization();
    /** The image deploy/image/build.sh builds: localhost/strata:VERSION; overlays may point it elsewhere. */
    static final String IMAGE_NAME = "strata";

    record Overlay(String name, List<HasMetadata> objects) {
        <T extends HasMetadata> List<T> all(Class<T> c) {
            return objects.stream().filter(c::isInstance).map(c::cast).toList();
        }

        <T extends HasMetadata> T named(Class<T> c, String name) {
            return all(c).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError(this.name + ": no " + c.getSimpleName() + " named " + name));
        }
    }

    // ---- parsing and rendering

    /** The documents of one YAML file, each as fabric8's typed object, failing on unknown fields. */
    static List<HasMetadata> parse(Path file) throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        String text = Files.readString(file, StandardCharsets.UTF_8);
        for (String doc : text.split("(?m)^---\\s*$")) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.trim().startsWith("#"))) continue;
            Object o = K8S.unmarshal(doc);
            if (!(o instanceof HasMetadata h)) throw new AssertionError(file + ": not a Kubernetes object: " + o);
            List<String> unknown = new ArrayList<>();
            unknownFields(h, h.getKind() + "/" + h.getMetadata().getName(), unknown, new IdentityHashMap<>());
            assertTrue(unknown.isEmpty(), ROOT.relativize(file) + ": unknown fields " + unknown);
            out.add(h);
        }
        return out;
    }

    /** Walks fabric8's model: any non-empty additionalProperties is a field the schema does not have (a typo). */
    static void unknownFields(Object o, String path, List<String> out, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) return;
        if (o instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) unknownFields(l.get(i), path + "[" + i + "]", out, seen);
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) unknownFields(e.getValue(), path + "." + e.getKey(), out, seen);
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) return;
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || !g.getName().startsWith("get") || g.getName().equals("getClass")) continue;
            Object v;
            try {
                v = g.invoke(o);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            if (g.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> m && !m.isEmpty()) out.add(path + ": " + m.keySet());
                continue;
            }
            unknownFields(v, path + "." + g.getName().substring(3, 4).toLowerCase() + g.getName().substring(4), out, seen);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> kustomization(Path dir) throws IOException {
        Map<String, Object> k = YAML.readValue(dir.resolve("kustomization.yaml").toFile(), Map.class);
        Set<String> unknown = new TreeSet<>(k.keySet());
        unknown.removeAll(KUSTOMIZATION_KEYS);
        assertTrue(unknown.isEmpty(), dir + "/kustomization.yaml uses " + unknown + ", which this test does not render; keep to "
                + KUSTOMIZATION_KEYS + " or teach the test");
        assertEquals("Kustomization", k.get("kind"));
        return k;
    }

    /** The objects of a kustomization: its resources (files or directories, recursively), then namespace and images. */
    @SuppressWarnings("unchecked")
    static List<HasMetadata> render(Path dir, Set<Path> used) throws IOException {
        Map<String, Object> k = kustomization(dir);
        used.add(dir.resolve("kustomization.yaml").normalize());
        List<HasMetadata> out = new ArrayList<>();
        for (String r : (List<String>) k.getOrDefault("resources", List.of())) {
            Path p = dir.resolve(r).normalize();
            assertTrue(Files.exists(p), dir + ": resource " + r + " does not exist");
            if (Files.isDirectory(p)) {
                out.addAll(render(p, used));
            } else {
                used.add(p);
                out.addAll(parse(p));
            }
        }
        String ns = (String) k.get("namespace");
        if (ns != null) for (HasMetadata h : out) h.getMetadata().setNamespace(ns);
        for (Map<String, String> img : (List<Map<String, String>>) k.getOrDefault("images", List.of())) {
            for (Container c : containers(out)) {
                String[] nameTag = splitImage(c.getImage());
                if (!nameTag[0].equals(img.get("name"))) continue;
                String name = img.getOrDefault("newName", nameTag[0]);
                String tag = img.getOrDefault("newTag", nameTag[1]);
                c.setImage(tag == null ? name : name + ":" + tag);
            }
        }
        return out;
    }

    static String[] splitImage(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon > slash ? new String[]{image.substring(0, colon), image.substring(colon + 1)} : new String[]{image, null};
    }

    static List<Path> overlayDirs() throws IOException {
        try (Stream<Path> s = Files.list(ROOT.resolve("overlays"))) {
            return s.filter(d -> Files.exists(d.resolve("kustomization.yaml"))).sorted().toList();
        }
    }

    static List<Overlay> overlays() throws IOException {
        List<Overlay> out = new ArrayList<>();
        for (Path d : overlayDirs()) out.add(new Overlay(d.getFileName().toString(), render(d, new LinkedHashSet<>())));
        return out;
    }

    static PodTemplateSpec template(HasMetadata h) {
        if (h instanceof Deployment d) return d.getSpec().getTemplate();
        if (h instanceof StatefulSet s) return s.getSpec().getTemplate();
        return null;
    }

    static List<HasMetadata> workloads(List<HasMetadata> objects) {
        return objects.stream().filter(h -> template(h) != null).toList();
    }

    static List<Container> containers(List<HasMetadata> objects) {
        List<Container> out = new ArrayList<>();
        for (HasMetadata w : workloads(objects)) out.addAll(template(w).getSpec().getContainers());
        return out;
    }

    // ---- tests

    @Test
    void everyManifestParsesWithoutUnknownFieldsAndBelongsToAKustomization() throws IOException {
        Set<Path> used = new LinkedHashSet<>();
        List<Path> overlays = overlayDirs();
        assertEquals(List.of("scaled-out", "single-node"), overlays.stream().map(p -> p.getFileName().toString()).toList());
        for (Path d : overlays) render(d, used);
        List<Path> files;
        try (Stream<Path> s = Files.walk(ROOT)) {
            files = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).map(Path::normalize).sorted().toList();
        }
        for (Path f : files) {
            if (!f.getFileName().toString().equals("kustomization.yaml")) parse(f);
            assertTrue(used.contains(f), ROOT.relativize(f) + " is not used by any overlay");
        }
    }

    @Test
    void aTypoIsCaught() {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("typo", ".yaml");
            Files.writeString(tmp, "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n    - port: 1\n      targtPort: 2\n");
            Path file = tmp;
            AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> parse(file));
            assertTrue(e.getMessage().contains("targtPort"), e.getMessage());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            if (tmp != null) tmp.toFile().delete();
        }
    }

    @Test
    void containersHaveProbesOnTheServedPathsAndResourceLimits() throws IOException {
        for (Overlay o : overlays()) {
            assertFalse(workloads(o.objects()).isEmpty(), o.name() + " has no workloads");
            for (HasMetadata w : workloads(o.objects())) {
                for (Container c : template(w).getSpec().getContainers()) {
                    String where = o.name() + " " + w.getKind() + "/" + w.getMetadata().getName() + " container " + c.getName();
                    assertProbe(where + " liveness", c.getLivenessProbe(), Monitoring.HEALTHZ, c);
                    assertProbe(where + " readiness", c.getReadinessProbe(), Monitoring.READYZ, c);
                    if (c.getStartupProbe() != null) assertProbe(where + " startup", c.getStartupProbe(), Monitoring.HEALTHZ, c);
                    assertNotNull(c.getResources(), where + ": no resources");
                    for (String r : List.of("cpu", "memory")) {
                        assertNotNull(c.getResources().getRequests() == null ? null : c.getResources().getRequests().get(r), where + ": no " + r + " request");
                        assertNotNull(c.getResources().getLimits() == null ? null : c.getResources().getLimits().get(r), where + ": no " + r + " limit");
                    }
                }
            }
        }
    }

    /**
     * Every Strata pod (every service answers /metrics, on the port its probes use) is scraped:
     * prometheus.io annotations naming /metrics and one of the container's declared ports.
     */
    @Test
    void everyWorkloadIsScrapedOnAPortThatServesMetrics() throws IOException {
        for (Overlay o : overlays()) {
            for (HasMetadata w : workloads(o.objects())) {
                String where = o.name() + " " + w.getKind() + "/" + w.getMetadata().getName();
                Map<String, String> a = template(w).getMetadata().getAnnotations();
                assertNotNull(a, where + ": no prometheus.io annotations");
                assertEquals("true", a.get("prometheus.io/scrape"), where + ": prometheus.io/scrape");
                assertEquals(Monitoring.METRICS, a.get("prometheus.io/path"), where + ": prometheus.io/path");
                String port = a.get("prometheus.io/port");
                assertNotNull(port, where + ": prometheus.io/port");
                Container c = template(w).getSpec().getContainers().get(0);
                int served = containerPort(c, new IntOrString(Integer.parseInt(port)), where + " prometheus.io/port");
                // the port the readiness probe reaches serves /metrics too (one server per port mounts all three paths),
                // except the gateway's OCI port, which serves /metrics next to /v2/
                int ready = containerPort(c, c.getReadinessProbe().getHttpGet().getPort(), where);
                assertTrue(served == ready || strataArgs(c).get(0).equals("gateway") || strataArgs(c).get(0).equals("serve"),
                        where + ": scraped on " + served + " but its server answers on " + ready);
            }
        }
    }

    static void assertProbe(String where, Probe p, String path, Container c) {
        assertNotNull(p, where + " probe missing");
        HTTPGetAction get = p.getHttpGet();
        assertNotNull(get, where + " probe is not an HTTP GET");
        assertEquals(path, get.getPath(), where + " probe path");
        containerPort(c, get.getPort(), where + " probe port");
    }

    /** The container port a name or number refers to; fails when the container declares no such port. */
    static int containerPort(Container c, IntOrString port, String where) {
        for (ContainerPort p : c.getPorts()) {
            if (port.getIntVal() != null ? port.getIntVal().equals(p.getContainerPort()) : port.getStrVal().equals(p.getName())) {
                return p.getContainerPort();
            }
        }
        throw new AssertionError(where + ": " + port + " is not a port of container " + c.getName());
    }

    @Test
    void imagesAreTheBuiltImageAtTheProjectVersion() throws IOException {
        String version = System.getProperty("strata.version");
        assertNotNull(version, "strata.version (set by the pom)");
        String buildSh = Files.readString(ROOT.resolve("../image/build.sh"));
        assertTrue(buildSh.contains("TAG=\"localhost/" + IMAGE_NAME + ":$VERSION\""), "build.sh's default tag");
        for (Overlay o : overlays()) {
            for (Container c : containers(o.objects())) {
                String[] nameTag = splitImage(c.getImage());
                assertTrue(nameTag[0].equals(IMAGE_NAME) || nameTag[0].endsWith("/" + IMAGE_NAME), o.name() + ": image " + c.getImage());
                assertEquals(version, nameTag[1], o.name() + ": tag of " + c.getImage());
            }
        }
    }

    /** The strata command line a container runs: args after the entry point, or what its shell wrapper execs. */
    static List<String> strataArgs(Container c) {
        List<String> cmd = c.getCommand() == null ? List.of() : c.getCommand();
        List<String> args = c.getArgs() == null ? List.of() : c.getArgs();
        if (cmd.isEmpty()) return args;
        assertEquals(List.of("/bin/sh", "-c"), cmd, c.getName() + ": a command other than the image's entry point must be a shell wrapper");
        String script = String.join(" ", args);
        int exec = script.indexOf("exec strata ");
        assertTrue(exec >= 0, c.getName() + ": the wrapper must `exec strata ...`: " + script);
        return List.of(script.substring(exec + "exec strata ".length()).trim().split("\\s+"));
    }

    /** Writes the data of every ConfigMap and Secret volume of the pod under a temp dir, at its mount path. */
    static Path materialize(Overlay o, PodTemplateSpec t, Container c) throws IOException {
        Path root = Files.createTempDirectory("k8s-mounts");
        for (VolumeMount m : c.getVolumeMounts()) {
            Volume v = t.getSpec().getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst().orElse(null);
            if (v == null) {
                boolean claim = false;
                if (o.objects().stream().anyMatch(h -> h instanceof StatefulSet s && s.getSpec().getTemplate() == t
                        && s.getSpec().getVolumeClaimTemplates().stream().anyMatch(pvc -> pvc.getMetadata().getName().equals(m.getName())))) {
                    claim = true;
                }
                assertTrue(claim, o.name() + ": mount " + m.getName() + " has no volume or claim template");
                continue;
            }
            Map<String, String> data = new LinkedHashMap<>();
            List<io.fabric8.kubernetes.api.model.KeyToPath> items = null;
            if (v.getConfigMap() != null) {
                ConfigMap cm = o.named(ConfigMap.class, v.getConfigMap().getName());
                data.putAll(cm.getData());
                items = v.getConfigMap().getItems();
            } else if (v.getSecret() != null) {
                Secret s = o.named(Secret.class, v.getSecret().getSecretName());
                if (s.getStringData() != null) data.putAll(s.getStringData());
                if (s.getData() != null) s.getData().forEach((k, b64) -> data.put(k, new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8)));
                items = v.getSecret().getItems();
            } else {
                continue;
            }
            Path dir = root.resolve(m.getMountPath().substring(1));
            Files.createDirectories(dir);
            if (items == null || items.isEmpty()) {
                for (var e : data.entrySet()) Files.writeString(dir.resolve(e.getKey()), e.getValue());
            } else {
                for (var i : items) {
                    assertTrue(data.containsKey(i.getKey()), o.name() + ": volume " + v.getName() + " names a missing key " + i.getKey());
                    Path f = dir.resolve(i.getPath());
                    Files.createDirectories(f.getParent());
                    Files.writeString(f, data.get(i.getKey()));
                }
            }
        }
        return root;
    }

    /** Rewrites absolute paths of mounted files in an argument to the materialized copies. */
    static String remap(String arg, Path root, Container c) {
        for (VolumeMount m : c.getVolumeMounts()) {
            String mp = m.getMountPath();
            if (Files.exists(root.resolve(mp.substring(1)))) arg = arg.replace(mp + "/", root.resolve(mp.substring(1)) + "/");
        }
        return arg;
    }

    @Test
    void commandsParseWithTheCodeAndListenOnTheContainerPort() throws IOException {
        for (Overlay o : overlays()) {
            for (HasMetadata w : workloads(o.objects())) {
                PodTemplateSpec t = template(w);
                for (Container c : t.getSpec().getContainers()) {
                    String where = o.name() + " " + w.getMetadata().getName() + "/" + c.getName();
                    Path root = materialize(o, t, c);
                    List<String> args = strataArgs(c).stream().map(a -> remap(a, root, c)).toList();
                    assertFalse(args.isEmpty(), where + ": no strata command");
                    int port;
                    switch (args.get(0)) {
                        case "serve" -> {
                            String[] rest = args.subList(1, args.size()).toArray(new String[0]);
                            ServeConfig config = Main.serveConfig(rest);
                            Main.gcConfig(rest);
                            port = config.port();
                            assertEquals("0.0.0.0", config.host(), where + ": listen on every interface");
                            if (config.auth() != null) AuthConfig.load(config.auth());
                            if (config.placement() != null) assertStorageNodes(o, config.placement(), where);
                            assertTrue(config.fsync(), where + ": production serve runs with --fsync (writes survive a power loss;"
                                    + " docs/operations.md#durability)");
                        }
                        case "storage-node" -> {
                            Path file = StorageNodeCommand.configFile(args.subList(1, args.size()).toArray(new String[0]));
                            if (!Files.exists(file)) {
                                // the wrapper copies a mounted config and appends nodeId: check the mounted one plus a nodeId
                                String script = String.join(" ", c.getArgs());
                                java.util.regex.Matcher m = java.util.regex.Pattern.compile("cp (\\S+) " + java.util.regex.Pattern.quote(
                                        file.toString())).matcher(script);
                                assertTrue(m.find(), where + ": " + file + " is neither mounted nor copied from a mount");
                                Path source = Path.of(remap(m.group(1), root, c));
                                assertTrue(script.contains("echo \"nodeId: $HOSTNAME\" >> " + file), where + ": nodeId from the pod name");
                                Files.createDirectories(root.resolve("copied"));
                                file = root.resolve("copied/node.yaml");
                                Files.writeString(file, Files.readString(source) + "nodeId: " + w.getMetadata().getName() + "-0\n");
                            }
                            StorageNodeConfig node = StorageNodeConfig.load(file);
                            port = node.port();
                            assertTrue(node.fsync() || node.storage().equals("rados"), where + ": production storage nodes run with"
                                    + " fsync: true (chunks survive a power loss; docs/operations.md#durability)");
                        }
                        case "gateway", "upload-service", "manifest-service", "gc-service" -> {
                            Record config = serviceConfig(args, root, c, where);
                            port = checkService(o, args.get(0), config, c, where);
                        }
                        default -> throw new AssertionError(where + ": unknown strata command " + args.get(0));
                    }
                    assertTrue(c.getPorts().stream().anyMatch(p -> p.getContainerPort() == port),
                            where + ": listens on " + port + " but declares " + c.getPorts());
                }
            }
        }
    }

    /**
     * The config of a service container, loaded by {@link ServiceCommand#load} (the command's own
     * loader: unknown keys fail) from the mounted ConfigMap, with paths of mounted files inside it
     * pointed at their materialized copies.
     */
    static Record serviceConfig(List<String> args, Path root, Container c, String where) throws IOException {
        Path file = StorageNodeCommand.configFile(args.subList(1, args.size()).toArray(new String[0]));
        assertTrue(Files.isRegularFile(file), where + ": --config " + file + " is not a mounted ConfigMap key");
        Path copy = root.resolve("config-" + args.get(0) + ".yaml");
        Files.writeString(copy, remap(Files.readString(file), root, c));
        try {
            return ServiceCommand.load(args.get(0), copy);
        } catch (IllegalArgumentException e) {
            throw new AssertionError(where + ": " + e.getMessage(), e);
        }
    }

    /**
     * A service's config against the overlay: it listens on every interface on declared ports, its
     * storage nodes are the storage StatefulSet's pods, its Kafka bootstrap hosts are Services of
     * the overlay, and each internal URL is a Service whose pods run the service it names. Returns
     * the port of the API it serves.
     */
    static int checkService(Overlay o, String command, Record config, Container c, String where) {
        if (config instanceof ProcessConfig.Gateway g) {
            assertEquals("0.0.0.0", ProcessConfig.host(g.listen()), where + ": listen on every interface");
            assertEquals("0.0.0.0", ProcessConfig.host(g.adminListen()), where + ": adminListen on every interface (probes)");
            int admin = ProcessConfig.port(g.adminListen());
            assertTrue(c.getPorts().stream().anyMatch(p -> p.getContainerPort() == admin), where + ": admin port " + admin + " not declared");
            for (Probe p : List.of(c.getLivenessProbe(), c.getReadinessProbe())) {
                assertEquals(admin, containerPort(c, p.getHttpGet().getPort(), where), where + ": the gateway answers probes on adminListen");
            }
            if (g.auth() != null) AuthConfig.load(g.auth());
            assertStorageNodes(o, g.storage().placement(), where);
            assertServiceUrls(o, g.uploadServices(), "upload-service", where);
            assertServiceUrls(o, g.manifestServices(), "manifest-service", where);
            assertServiceUrls(o, g.gcServices(), "gc-service", where);
            return ProcessConfig.port(g.listen());
        }
        ProcessConfig.Kafka kafka;
        ProcessConfig.Storage storage;
        String listen;
        if (config instanceof ProcessConfig.UploadService u) {
            kafka = u.kafka(); storage = u.storage(); listen = u.listen();
        } else if (config instanceof ProcessConfig.ManifestService m) {
            kafka = m.kafka(); storage = m.storage(); listen = m.listen();
            assertServiceUrls(o, m.uploadServices(), "upload-service", where);
            assertServiceUrls(o, m.gcServices(), "gc-service", where);
        } else {
            ProcessConfig.GcService gc = (ProcessConfig.GcService) config;
            kafka = gc.kafka(); storage = gc.storage(); listen = gc.listen();
            assertServiceUrls(o, gc.uploadServices(), "upload-service", where);
            assertServiceUrls(o, gc.manifestServices(), "manifest-service", where);
            gc.gc(); // the GC settings (retention, time machine, namespace prefixes) make a valid GcConfig
        }
        assertEquals("0.0.0.0", ProcessConfig.host(listen), where + ": listen on every interface");
        assertStorageNodes(o, storage.placement(), where);
        for (String hostPort : kafka.bootstrapServers().split(",")) {
            String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
            int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
            Service s = o.named(Service.class, host.split("\\.")[0]);
            assertTrue(s.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == port), where + ": Kafka port " + port + " of " + s.getMetadata().getName());
        }
        return ProcessConfig.port(listen);
    }

    /** Each URL names a Service of the overlay, on one of its ports, whose pods run {@code strata <command>}. */
    static void assertServiceUrls(Overlay o, List<String> urls, String command, String where) {
        for (String url : urls) {
            java.net.URI u = java.net.URI.create(url);
            Service s = o.named(Service.class, u.getHost().split("\\.")[0]);
            ServicePort sp = s.getSpec().getPorts().stream().filter(p -> p.getPort() == u.getPort()).findFirst()
                    .orElseThrow(() -> new AssertionError(where + ": " + url + ": service " + s.getMetadata().getName() + " has no port " + u.getPort()));
            List<HasMetadata> pods = selected(o, s.getSpec().getSelector());
            assertFalse(pods.isEmpty(), where + ": " + url + " selects no pods");
            for (HasMetadata w : pods) {
                Container target = template(w).getSpec().getContainers().get(0);
                assertEquals(command, strataArgs(target).get(0), where + ": " + url + " reaches " + w.getMetadata().getName());
                containerPort(target, sp.getTargetPort(), where + ": " + url);
            }
        }
    }

    /** Every node of the registry's --storage-nodes list is a pod of a storage-node StatefulSet, by name, DNS and port. */
    static void assertStorageNodes(Overlay o, PlacementConfig placement, String where) {
        Map<String, String> nodes = new LinkedHashMap<>(placement.nodes());
        assertFalse(nodes.isEmpty(), where);
        for (var e : nodes.entrySet()) {
            java.net.URI u = java.net.URI.create(e.getValue());
            String[] host = u.getHost().split("\\.");
            String pod = host[0];
            assertEquals(e.getKey(), pod, where + ": node id must be the pod name (the storage node's nodeId is $HOSTNAME)");
            int dash = pod.lastIndexOf('-');
            StatefulSet sts = o.named(StatefulSet.class, pod.substring(0, dash));
            assertTrue(Integer.parseInt(pod.substring(dash + 1)) < sts.getSpec().getReplicas(), where + ": " + pod + " beyond the replicas");
            assertTrue(host.length > 1 && host[1].equals(sts.getSpec().getServiceName()), where + ": " + u.getHost() + " is not <pod>.<serviceName>");
            Service headless = o.named(Service.class, sts.getSpec().getServiceName());
            assertEquals("None", headless.getSpec().getClusterIP(), where + ": per-pod DNS needs a headless service");
            Container c = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertTrue(c.getPorts().stream().anyMatch(p -> p.getContainerPort() == u.getPort()), where + ": port " + u.getPort());
        }
        assertEquals(nodes.size(), o.all(StatefulSet.class).stream()
                .filter(s -> s.getMetadata().getName().equals(nodes.keySet().iterator().next().replaceAll("-\\d+$", "")))
                .mapToInt(s -> s.getSpec().getReplicas()).sum(), where + ": every storage node pod is in the list");
    }

    static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels != null && labels.entrySet().containsAll(selector.entrySet());
    }

    static List<HasMetadata> selected(Overlay o, Map<String, String> selector) {
        return workloads(o.objects()).stream().filter(w -> selects(selector, template(w).getMetadata().getLabels())).toList();
    }

    @Test
    void servicesPoliciesBudgetsAndIngressPointAtRealPodsAndPorts() throws IOException {
        for (Overlay o : overlays()) {
            for (HasMetadata w : workloads(o.objects())) {
                Map<String, String> sel = w instanceof StatefulSet s ? s.getSpec().getSelector().getMatchLabels()
                        : ((Deployment) w).getSpec().getSelector().getMatchLabels();
                assertTrue(selects(sel, template(w).getMetadata().getLabels()), o.name() + ": " + w.getMetadata().getName() + " selector");
                int replicas = w instanceof StatefulSet s ? s.getSpec().getReplicas() : ((Deployment) w).getSpec().getReplicas();
                if (replicas > 1) {
                    assertTrue(o.all(PodDisruptionBudget.class).stream().anyMatch(p -> selects(p.getSpec().getSelector().getMatchLabels(),
                            template(w).getMetadata().getLabels())), o.name() + ": " + w.getMetadata().getName() + " has replicas but no PodDisruptionBudget");
                }
                assertTrue(o.all(NetworkPolicy.class).stream().anyMatch(p -> selects(p.getSpec().getPodSelector().getMatchLabels(),
                        template(w).getMetadata().getLabels())), o.name() + ": " + w.getMetadata().getName() + " has no NetworkPolicy");
            }
            for (Service s : o.all(Service.class)) {
                if ("ExternalName".equals(s.getSpec().getType())) {
                    assertNotNull(s.getSpec().getExternalName(), o.name() + ": service " + s.getMetadata().getName() + " has no externalName");
                    continue;
                }
                List<HasMetadata> pods = selected(o, s.getSpec().getSelector());
                assertFalse(pods.isEmpty(), o.name() + ": service " + s.getMetadata().getName() + " selects no pods");
                for (ServicePort p : s.getSpec().getPorts()) {
                    for (HasMetadata w : pods) containerPort(template(w).getSpec().getContainers().get(0), p.getTargetPort(),
                            o.name() + ": service " + s.getMetadata().getName());
                }
            }
            for (Ingress i : o.all(Ingress.class)) {
                i.getSpec().getRules().forEach(r -> r.getHttp().getPaths().forEach(p -> {
                    IngressBackend b = p.getBackend();
                    Service s = o.named(Service.class, b.getService().getName());
                    assertTrue(s.getSpec().getPorts().stream().anyMatch(sp -> b.getService().getPort().getName() != null
                            ? b.getService().getPort().getName().equals(sp.getName()) : b.getService().getPort().getNumber().equals(sp.getPort())),
                            o.name() + ": ingress port " + b.getService().getPort());
                }));
                assertEquals("0", i.getMetadata().getAnnotations().get("nginx.ingress.kubernetes.io/proxy-body-size"), "unlimited bodies");
            }
            for (NetworkPolicy p : o.all(NetworkPolicy.class)) {
                List<HasMetadata> pods = selected(o, p.getSpec().getPodSelector().getMatchLabels());
                assertFalse(pods.isEmpty(), o.name() + ": network policy " + p.getMetadata().getName() + " selects no pods");
                p.getSpec().getIngress().forEach(rule -> rule.getPorts().forEach(port -> pods.forEach(w ->
                        containerPort(template(w).getSpec().getContainers().get(0), port.getPort(), o.name() + ": policy " + p.getMetadata().getName()))));
            }
            for (PodDisruptionBudget p : o.all(PodDisruptionBudget.class)) {
                assertFalse(selected(o, p.getSpec().getSelector().getMatchLabels()).isEmpty(), o.name() + ": PDB " + p.getMetadata().getName());
            }
            for (HorizontalPodAutoscaler h : o.all(HorizontalPodAutoscaler.class)) {
                String target = h.getSpec().getScaleTargetRef().getName();
                assertTrue(o.all(Deployment.class).stream().anyMatch(d -> d.getMetadata().getName().equals(target)), o.name() + ": HPA target " + target);
            }
            for (HasMetadata h : o.objects()) assertEquals("strata", h.getMetadata().getNamespace(), o.name() + ": namespace of " + h.getMetadata().getName());
        }
    }

    /** The scaled-out overlay runs each service as its own Deployment, one gc-service, and autoscales the gateways. */
    @Test
    void scaledOutRunsEveryServiceAsADeployment() throws IOException {
        Overlay o = overlays().stream().filter(x -> x.name().equals("scaled-out")).findFirst().orElseThrow();
        Map<String, Deployment> byCommand = new LinkedHashMap<>();
        for (Deployment d : o.all(Deployment.class)) byCommand.put(strataArgs(d.getSpec().getTemplate().getSpec().getContainers().get(0)).get(0), d);
        assertEquals(new TreeSet<>(ServiceCommand.NAMES), new TreeSet<>(byCommand.keySet()), "Deployments by strata command");
        for (HasMetadata w : workloads(o.objects())) {
            String cmd = strataArgs(template(w).getSpec().getContainers().get(0)).get(0);
            assertTrue(ServiceCommand.NAMES.contains(cmd) || cmd.equals("storage-node"), "scaled-out runs " + cmd + " in " + w.getMetadata().getName());
        }
        Deployment gc = byCommand.get("gc-service");
        assertEquals(1, gc.getSpec().getReplicas(), "run one gc-service");
        assertEquals("Recreate", gc.getSpec().getStrategy().getType(), "never two gc-services during a rollout");
        String gateway = byCommand.get("gateway").getMetadata().getName();
        assertTrue(o.all(HorizontalPodAutoscaler.class).stream().anyMatch(h -> h.getSpec().getScaleTargetRef().getName().equals(gateway)
                && h.getSpec().getMinReplicas() >= 2), "an HPA for the gateways with at least 2 replicas");
        assertTrue(o.all(Service.class).stream().anyMatch(s -> "ExternalName".equals(s.getSpec().getType())), "a Service naming the external Kafka");
    }

    /** When kubectl is installed, its kustomize renders the same objects and images as this test does. */
    @Test
    void kubectlKustomizeAgreesWhenInstalled() throws Exception {
        Path kubectl = Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).map(d -> Path.of(d, "kubectl"))
                .filter(Files::isExecutable).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(kubectl != null, "kubectl is not on PATH: the overlays are checked by this test's own rendering only");
        for (Overlay o : overlays()) {
            Process p = new ProcessBuilder(kubectl.toString(), "kustomize", ROOT.resolve("overlays").resolve(o.name()).toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            Set<String> theirs = new TreeSet<>();
            Set<String> images = new TreeSet<>();
            for (String doc : out.split("(?m)^---\\s*$")) {
                if (doc.isBlank()) continue;
                HasMetadata h = K8S.unmarshal(doc);
                theirs.add(h.getKind() + "/" + h.getMetadata().getNamespace() + "/" + h.getMetadata().getName());
                for (Container c : containers(List.of(h))) images.add(c.getImage());
            }
            Set<String> ours = new TreeSet<>();
            for (HasMetadata h : o.objects()) ours.add(h.getKind() + "/" + h.getMetadata().getNamespace() + "/" + h.getMetadata().getName());
            assertEquals(theirs, ours, o.name());
            assertEquals(images, new TreeSet<>(containers(o.objects()).stream().map(Container::getImage).toList()), o.name());
        }
    }
}
