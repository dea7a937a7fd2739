package io.armada.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.deser.std.FromStringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads a {@link ServerConfig} from YAML. Keys are kebab-case ({@code node-id}, {@code data-dir});
 * an unknown key, a value of the wrong type or a failed validation is a {@link ConfigException}
 * naming the field's path, e.g. {@code members[1].client-address}.
 */
public final class ConfigLoader {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ConfigLoader.class);
    /**
     * Top-level keys renamed since they were first released, old name to new: a file or an
     * override written for an older version still loads (with a warning), so an upgrade does not
     * have to rewrite every node's file at once. {@code follower-of} named the leader cluster with
     * a word that also means a Raft role; see "Words" in docs/ARCHITECTURE.md.
     */
    static final Map<String, String> RENAMED_KEYS = Map.of("follower-of", "leader-cluster");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .registerModule(new SimpleModule()
                    .addDeserializer(HostPort.class, new FromStringDeserializer<>(HostPort.class) {
                        @Override
                        protected HostPort _deserialize(
                                String value, com.fasterxml.jackson.databind.DeserializationContext ctxt) {
                            return HostPort.parse(value);
                        }
                    }));

    private ConfigLoader() {}

    public static ServerConfig load(Path file) {
        return load(file, Map.of());
    }

    /**
     * Reads {@code file} and then applies {@code overrides}, each a dotted path into the document
     * ({@code raft.tick-millis}, {@code members[0].client-address}) and a YAML scalar value: every
     * option can also be set on the command line.
     */
    public static ServerConfig load(Path file, Map<String, String> overrides) {
        try {
            return parse(Files.readString(file), overrides);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "cannot read: " + e.getMessage());
        }
    }

    public static ServerConfig parse(String yaml) {
        return parse(yaml, Map.of());
    }

    public static ServerConfig parse(String yaml, Map<String, String> overrides) {
        try {
            JsonNode tree = YAML.readTree(yaml);
            ObjectNode root = tree instanceof ObjectNode o ? o : YAML.createObjectNode();
            renameOldKeys(root);
            refuseOldAndNewKeys(overrides);
            for (Map.Entry<String, String> o : overrides.entrySet()) {
                set(root, renamedPath(o.getKey()), YAML.readTree(o.getValue()));
            }
            return YAML.treeToValue(root, ServerConfig.class);
        } catch (JsonMappingException e) {
            throw new ConfigException(path(e), problem(e));
        } catch (IOException e) {
            throw new ConfigException(
                    "(document)",
                    e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                            ? j.getOriginalMessage()
                            : e.getMessage());
        }
    }

    /** Moves each old top-level key of the file to its new name; both names given is an error, as either could be meant. */
    private static void renameOldKeys(ObjectNode root) {
        for (Map.Entry<String, String> rename : RENAMED_KEYS.entrySet()) {
            String old = rename.getKey();
            String current = rename.getValue();
            if (!root.has(old)) {
                continue;
            }
            if (root.has(current)) {
                throw new ConfigException(
                        old,
                        "both " + old + " and " + current + " are given; " + old + " is the old name of " + current
                                + ", keep only " + current);
            }
            log.warn("configuration key {} is deprecated: it is now {}; read it as {}", old, current, current);
            root.set(current, root.remove(old));
        }
    }

    /** Overrides under both an old and a new top-level key are refused, as in a file: which one was meant is unclear. */
    private static void refuseOldAndNewKeys(Map<String, String> overrides) {
        for (Map.Entry<String, String> rename : RENAMED_KEYS.entrySet()) {
            String old = rename.getKey();
            String current = rename.getValue();
            if (overrides.keySet().stream().anyMatch(p -> topLevelKey(p).equals(old))
                    && overrides.keySet().stream().anyMatch(p -> topLevelKey(p).equals(current))) {
                throw new ConfigException(
                        old,
                        "overrides of both " + old + " and " + current + " are given; " + old + " is the old name of "
                                + current + ", keep only " + current);
            }
        }
    }

    private static String topLevelKey(String path) {
        int end = 0;
        while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
            end++;
        }
        return path.substring(0, end);
    }

    /** An override's path with an old top-level key replaced by its new name. */
    private static String renamedPath(String path) {
        String old = topLevelKey(path);
        String current = RENAMED_KEYS.get(old);
        if (current == null) {
            return path;
        }
        String renamed = current + path.substring(old.length());
        log.warn(
                "configuration key {} is deprecated: it is now {}; read override {} as {}",
                old,
                current,
                path,
                renamed);
        return renamed;
    }

    private static void set(ObjectNode root, String path, JsonNode value) {
        String[] parts = path.split("\\.", -1);
        JsonNode at = root;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            int index = -1;
            int bracket = part.indexOf('[');
            if (bracket >= 0 && part.endsWith("]")) {
                index = Integer.parseInt(part.substring(bracket + 1, part.length() - 1));
                part = part.substring(0, bracket);
            }
            boolean last = i == parts.length - 1;
            if (!(at instanceof ObjectNode obj)) {
                throw new ConfigException(path, "cannot set: '" + part + "' is inside a scalar");
            }
            if (index < 0) {
                if (last) {
                    obj.set(part, value);
                    return;
                }
                at = obj.has(part) ? obj.get(part) : obj.putObject(part);
            } else {
                JsonNode list = obj.get(part);
                if (!(list instanceof com.fasterxml.jackson.databind.node.ArrayNode array) || index >= array.size()) {
                    throw new ConfigException(path, "no element " + index + " in '" + part + "'");
                }
                if (last) {
                    array.set(index, value);
                    return;
                }
                at = array.get(index);
            }
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            } else if (ref.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(ref.getFieldName());
            }
        }
        return sb.isEmpty() ? "(document)" : sb.toString();
    }

    private static String problem(JsonMappingException e) {
        Throwable cause = e.getCause();
        if (cause instanceof ConfigException ce) {
            return ce.getMessage();
        }
        if (cause instanceof IllegalArgumentException || cause instanceof NullPointerException) {
            return cause.getMessage();
        }
        if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
            return "unknown field; known fields: " + u.getKnownPropertyIds();
        }
        String msg = e.getOriginalMessage();
        int nl = msg.indexOf('\n');
        return nl > 0 ? msg.substring(0, nl) : msg;
    }
}
