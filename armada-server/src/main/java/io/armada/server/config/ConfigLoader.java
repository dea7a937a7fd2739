package io.armada.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.deser.std.FromStringDeserializer;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a {@link ServerConfig} from YAML. Keys are kebab-case ({@code node-id}, {@code data-dir});
 * an unknown key, a value of the wrong type or a failed validation is a {@link ConfigException}
 * naming the field's path, e.g. {@code members[1].client-address}.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .registerModule(new SimpleModule().addDeserializer(HostPort.class, new FromStringDeserializer<>(HostPort.class) {
                @Override
                protected HostPort _deserialize(String value, com.fasterxml.jackson.databind.DeserializationContext ctxt) {
                    return HostPort.parse(value);
                }
            }));

    private ConfigLoader() {}

    public static ServerConfig load(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "cannot read: " + e.getMessage());
        }
    }

    public static ServerConfig parse(String yaml) {
        try {
            return YAML.readValue(yaml, ServerConfig.class);
        } catch (JsonMappingException e) {
            throw new ConfigException(path(e), problem(e));
        } catch (IOException e) {
            throw new ConfigException("(document)", e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage());
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
