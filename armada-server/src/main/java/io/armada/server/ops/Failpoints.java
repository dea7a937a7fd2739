package io.armada.server.ops;

import io.armada.raft.log.FsyncDelay;
import io.armada.server.node.TableRemovalHold;
import java.util.Map;
import java.util.Optional;

/**
 * Fault injection for tests, after etcd's gofail: the failpoints are compiled in, but reachable
 * only when the process starts with {@code ARMADA_FAILPOINTS=enabled}; then the ops endpoint
 * serves {@code GET} and {@code PUT /debug/failpoints/NAME}. Without the variable those paths do
 * not exist (404), so a production node can never be slowed by a stray request.
 *
 * <p>Failpoints: {@value #LOG_FSYNC_DELAY} — milliseconds every synced Raft log write waits after
 * its fsync (0 = off, at most {@link FsyncDelay#MAX_MILLIS}); {@value #TABLE_REMOVAL_HOLD} —
 * {@code true} keeps the tables the catalog dropped open and served, as on a member that has not
 * applied the delete yet ({@link TableRemovalHold}), {@code false} removes them.
 */
public final class Failpoints {
    public static final String ENVIRONMENT_VARIABLE = "ARMADA_FAILPOINTS";
    public static final String PATH_PREFIX = "/debug/failpoints/";
    public static final String LOG_FSYNC_DELAY = "log-fsync-delay";
    public static final String TABLE_REMOVAL_HOLD = "table-removal-hold";

    private final FsyncDelay fsyncDelay; // null when disabled
    private final TableRemovalHold removalHold; // null when disabled or absent

    private Failpoints(FsyncDelay fsyncDelay, TableRemovalHold removalHold) {
        this.fsyncDelay = fsyncDelay;
        this.removalHold = removalHold;
    }

    /** Enabled when {@code environment} has {@value #ENVIRONMENT_VARIABLE}{@code =enabled}. */
    public static Failpoints fromEnvironment(
            Map<String, String> environment, FsyncDelay fsyncDelay, TableRemovalHold removalHold) {
        return "enabled".equals(environment.get(ENVIRONMENT_VARIABLE))
                ? new Failpoints(fsyncDelay, removalHold)
                : disabled();
    }

    /** The log-store failpoint alone (a node's other failpoints absent). */
    public static Failpoints fromEnvironment(Map<String, String> environment, FsyncDelay fsyncDelay) {
        return fromEnvironment(environment, fsyncDelay, null);
    }

    public static Failpoints disabled() {
        return new Failpoints(null, null);
    }

    public boolean enabled() {
        return fsyncDelay != null;
    }

    /** The failpoint's value as text, or empty when there is no such failpoint (or failpoints are off). */
    Optional<String> get(String name) {
        if (!enabled()) {
            return Optional.empty();
        }
        return switch (name) {
            case LOG_FSYNC_DELAY -> Optional.of(Long.toString(fsyncDelay.millis()));
            case TABLE_REMOVAL_HOLD -> Optional.ofNullable(removalHold).map(h -> Boolean.toString(h.held()));
            default -> Optional.empty();
        };
    }

    /**
     * Sets a failpoint; false when there is no such failpoint (or failpoints are off).
     *
     * @throws IllegalArgumentException when the value is not one the failpoint takes
     */
    boolean set(String name, String value) {
        if (enabled() && removalHold != null && TABLE_REMOVAL_HOLD.equals(name)) {
            switch (value.strip()) {
                case "true" -> removalHold.set(true);
                case "false" -> removalHold.set(false);
                default ->
                    throw new IllegalArgumentException(
                            TABLE_REMOVAL_HOLD + ": '" + value.strip() + "' is neither true nor false");
            }
            return true;
        }
        if (!enabled() || !LOG_FSYNC_DELAY.equals(name)) {
            return false;
        }
        long millis;
        try {
            millis = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    LOG_FSYNC_DELAY + ": '" + value.strip() + "' is not a number of milliseconds");
        }
        fsyncDelay.set(millis);
        return true;
    }
}
