package io.armada.cli;

import picocli.CommandLine;

/** Reports the version Maven stamped into the jar's manifest. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {
            "armada " + (version == null ? "(development build)" : version), "java " + Runtime.version()
        };
    }
}
