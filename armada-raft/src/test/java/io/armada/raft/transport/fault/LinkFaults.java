package io.armada.raft.transport.fault;

/**
 * What the network does to messages on one link (or one group of a link). Rates are per message;
 * a delayed message waits {@code delayMillis} plus a uniform jitter, and a reordered one waits
 * {@code reorderDelayMillis} more, so messages sent after it overtake it.
 *
 * @param blocked every message is refused, as by a partition ({@code send} returns false)
 * @param dropRate probability a message is silently lost ({@code send} still returns true, as a
 *     lost packet would)
 * @param duplicateRate probability a message is delivered twice
 * @param delayMillis fixed delay before delivery
 * @param delayJitterMillis extra delay drawn uniformly from [0, delayJitterMillis]
 * @param reorderRate probability a message is held back by {@code reorderDelayMillis}
 * @param reorderDelayMillis how long a reordered message is held back
 */
public record LinkFaults(
        boolean blocked,
        double dropRate,
        double duplicateRate,
        long delayMillis,
        long delayJitterMillis,
        double reorderRate,
        long reorderDelayMillis) {

    /** A perfect link. */
    public static final LinkFaults NONE = new LinkFaults(false, 0, 0, 0, 0, 0, 0);
    /** A cut link. */
    public static final LinkFaults BLOCKED = new LinkFaults(true, 0, 0, 0, 0, 0, 0);

    public LinkFaults {
        rate("dropRate", dropRate);
        rate("duplicateRate", duplicateRate);
        rate("reorderRate", reorderRate);
        nonNegative("delayMillis", delayMillis);
        nonNegative("delayJitterMillis", delayJitterMillis);
        nonNegative("reorderDelayMillis", reorderDelayMillis);
        if (reorderRate > 0 && reorderDelayMillis == 0) {
            throw new IllegalArgumentException("reorderDelayMillis: 0 with reorderRate " + reorderRate
                    + "; a reordered message must be held back to be overtaken");
        }
    }

    public LinkFaults dropping(double rate) {
        return new LinkFaults(
                blocked, rate, duplicateRate, delayMillis, delayJitterMillis, reorderRate, reorderDelayMillis);
    }

    public LinkFaults duplicating(double rate) {
        return new LinkFaults(blocked, dropRate, rate, delayMillis, delayJitterMillis, reorderRate, reorderDelayMillis);
    }

    public LinkFaults delaying(long millis, long jitterMillis) {
        return new LinkFaults(blocked, dropRate, duplicateRate, millis, jitterMillis, reorderRate, reorderDelayMillis);
    }

    public LinkFaults reordering(double rate, long holdMillis) {
        return new LinkFaults(blocked, dropRate, duplicateRate, delayMillis, delayJitterMillis, rate, holdMillis);
    }

    private static void rate(String field, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(field + ": " + value + " is outside 0..1");
        }
    }

    private static void nonNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + ": " + value + " is outside >= 0");
        }
    }
}
