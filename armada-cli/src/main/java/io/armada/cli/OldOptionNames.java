package io.armada.cli;

import picocli.CommandLine;

/**
 * Options renamed so that every cross-cluster name says "cluster" ("Words" in docs/ARCHITECTURE.md):
 * the old name stays as a hidden option, so scripts written for it keep working, with a warning.
 */
final class OldOptionNames {
    private OldOptionNames() {}

    /**
     * The value of option {@code name}, or of its old name {@code oldName} when only that was given
     * (then a warning names both). Both given is a usage error, as either could be meant.
     *
     * @param value the option's value, its default when it was not given
     * @param oldValue the old option's value; null when it was not given
     */
    static <T> T resolve(CommandLine.Model.CommandSpec spec, String name, T value, String oldName, T oldValue) {
        if (oldValue == null) {
            return value;
        }
        if (spec.commandLine().getParseResult().hasMatchedOption(name)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    oldName + " and " + name + " are both given; " + oldName + " is the old name of " + name);
        }
        spec.commandLine().getErr().println("warning: " + oldName + " is now " + name + "; the old name will go away");
        return oldValue;
    }
}
