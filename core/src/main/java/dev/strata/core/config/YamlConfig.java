package dev.strata.core.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The one loader of the typed config records of {@code strata storage-node | gateway | upload-service
 * | manifest-service | gc-service --config FILE}: YAML first, then environment overrides, then the
 * record's own validation (its compact constructor). Unknown keys are rejected; relative paths named
 * in {@code pathKeys} (keys, or dotted paths such as {@code tls.cert}) are resolved against the file's directory.
 *
 * <p>Environment overrides: {@code STRATA_CONFIG_} followed by the key path in upper case, camelCase
 * split by {@code _} and nesting joined by {@code _}: {@code kafka.bootstrapServers} is
 * {@code STRATA_CONFIG_KAFKA_BOOTSTRAP_SERVERS}, {@code listen} is {@code STRATA_CONFIG_LISTEN}. A list
 * value is comma-separated. Variables naming no key of the record are ignored (one environment may
 * serve several services).
 */
public final class YamlConfig {
    public static final String ENV_PREFIX = "STRATA_CONFIG_";

    private YamlConfig() {}

    /** Reads, overrides and validates; any problem is an IllegalArgumentException naming the file. */
    public static <T extends Record> T load(Path file, Class<T> type, Set<String> pathKeys) {
        return load(file, type, pathKeys, System.getenv());
    }

    public static <T extends Record> T load(Path file, Class<T> type, Set<String> pathKeys, Map<String, String> env) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("config file not found: " + file);
        YAMLMapper yaml = YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).build();
        try {
            JsonNode tree = yaml.readTree(file.toFile());
            if (tree == null || tree.isMissingNode() || tree.isNull()) throw new IllegalArgumentException("config " + file + " is empty");
            if (!tree.isObject()) throw new IllegalArgumentException("config " + file + ": expected a mapping of keys to values");
            ObjectNode o = (ObjectNode) tree;
            overrides(o, type, ENV_PREFIX, env);
            Path dir = file.toAbsolutePath().getParent();
            for (String keyPath : pathKeys) { // a key, or a dotted path into nested mappings (tls.cert)
                ObjectNode parent = o;
                String[] parts = keyPath.split("\\.");
                for (int i = 0; i < parts.length - 1 && parent != null; i++) {
                    parent = parent.get(parts[i]) instanceof ObjectNode child ? child : null;
                }
                String key = parts[parts.length - 1];
                if (parent != null && parent.hasNonNull(key) && parent.get(key).isTextual()) {
                    parent.put(key, dir.resolve(parent.get(key).asText()).normalize().toString());
                }
            }
            return yaml.treeToValue(o, type);
        } catch (JsonMappingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
            throw new IllegalArgumentException("config " + file + ": " + firstLine(cause.getMessage()), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("config " + file + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** The environment variable that overrides a key path such as {@code kafka.bootstrapServers}. */
    public static String envName(String keyPath) {
        return ENV_PREFIX + keyPath.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT);
    }

    private static void overrides(ObjectNode node, Class<?> type, String prefix, Map<String, String> env) {
        for (RecordComponent c : type.getRecordComponents()) {
            String name = prefix + c.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
            if (c.getType().isRecord()) {
                JsonNode child = node.get(c.getName());
                ObjectNode sub = child instanceof ObjectNode ob ? ob : node.objectNode();
                overrides(sub, c.getType(), name + "_", env);
                if (!sub.isEmpty() && child == null) node.set(c.getName(), sub);
                continue;
            }
            String v = env.get(name);
            if (v == null) continue;
            if (java.util.List.class.isAssignableFrom(c.getType())) {
                var arr = node.putArray(c.getName());
                for (String part : v.split(",")) if (!part.isBlank()) arr.add(part.trim());
            } else if (Map.class.isAssignableFrom(c.getType()) && isStringMap(c.getGenericType())) {
                ObjectNode m = node.putObject(c.getName());
                for (String part : v.split(",")) {
                    int eq = part.indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException(name + " entries are KEY=VALUE, got '" + part + "'");
                    m.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
                }
            } else {
                node.put(c.getName(), v);
            }
        }
    }

    private static boolean isStringMap(Type t) {
        return t instanceof ParameterizedType p && p.getActualTypeArguments()[1] == String.class;
    }

    private static String firstLine(String s) {
        if (s == null) return "invalid";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
