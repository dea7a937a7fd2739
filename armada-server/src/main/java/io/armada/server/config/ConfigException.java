package io.armada.server.config;

/** A configuration value that cannot be used; the message names the field. */
public final class ConfigException extends IllegalArgumentException {
    private final String field;

    public ConfigException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
