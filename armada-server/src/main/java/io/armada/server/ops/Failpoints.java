package io.armada.server.ops;

import io.armada.raft.log.FsyncDelay;
import java.util.Map;
import java.util.Optional;

/**
 * Fault injection for tests, after etcd's gofail: the failpoints are compiled in, but reachable
 * only when the process starts with {@code ARMADA_FAILPOINTS=enabled}; then the ops endpoint
 * serves {@code GET} and {@code PUT /debug/failpoints/NAME}. Without the variable those paths do
 * not exist (404), so a production node can never be slowed by a stray request.
 *
 * <p>Failpoints: {@value #LOG_FSYNC_DELAY} — milliseconds every synced Raft log write waits after
 * its fsync (0 = off, at most {@link FsyncDelay#MAX_MILLIS}).
 */
public final class Failpoints {
    public static final String ENVIRONMENT_VARIABLE = "ARMADA_FAILPOINTS";
    public static final String PATH_PREFIX = "/debug/failpoints/";
    public static final String LOG_FSYNC_DELAY = "log-fsync-delay";

    private final FsyncDelay fsyncDelay; // null when disabled

    private Failpoints(FsyncDelay fsyncDelay) {
        this.fsyncDelay = fsyncDelay;
    }

    /** Enabled when {@code environment} has {@value #ENVIRONMENT_VARIABLE}{@code =enabled}. */
    public static Failpoints fromEnvironment(Map<String, String> environment, FsyncDelay fsyncDelay) {
        return "enabled".equals(environment.get(ENVIRONMENT_VARIABLE)) ? new Failpoints(fsyncDelay) : disabled();
    }

    public static Failpoints disabled() {
        return new Failpoints(null);
    }

    public boolean enabled() {
        return fsyncDelay != null;
    }

    /** The failpoint's value as text, or empty when there is no such failpoint (or failpoints are off). */
    Optional<String> get(String name) {
        return enabled() && LOG_FSYNC_DELAY.equals(name) ? Optional.of(Long.toString(fsyncDelay.millis())) : Optional.empty();
    }

    /**
     * Sets a failpoint; false when there is no such failpoint (or failpoints are off).
     *
     * @throws IllegalArgumentException when the value is not one the failpoint takes
     */
    boolean set(String name, String value) {
        if (!enabled() || !LOG_FSYNC_DELAY.equals(name)) {
            return false;
        }
        long millis;
        try {
            millis = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(LOG_FSYNC_DELAY + ": '" + value.strip() + "' is not a number of milliseconds");
        }
        fsyncDelay.set(millis);
        return true;
    }
}
