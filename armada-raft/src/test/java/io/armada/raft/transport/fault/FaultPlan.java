package io.armada.raft.transport.fault;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The faults of a whole test network, shared by every node's {@link FaultInjectingTransport} and
 * changed while the test runs. Partitions cut directed links outright; otherwise the most specific
 * rule applies: link and group, then group (all links), then link (all groups), then the default.
 */
public final class FaultPlan {
    private record Link(long from, long to) {}

    private record LinkGroup(long from, long to, long groupId) {}

    private LinkFaults defaults = LinkFaults.NONE;
    private final Map<Link, LinkFaults> links = new HashMap<>();
    private final Map<Long, LinkFaults> groups = new HashMap<>();
    private final Map<LinkGroup, LinkFaults> linkGroups = new HashMap<>();
    private final Set<Link> cut = new HashSet<>();

    public synchronized void setDefault(LinkFaults faults) {
        defaults = Objects.requireNonNull(faults);
    }

    /** Faults of every group's messages from {@code from} to {@code to}. */
    public synchronized void setLink(long from, long to, LinkFaults faults) {
        links.put(new Link(from, to), Objects.requireNonNull(faults));
    }

    /** Faults of {@code groupId}'s messages on every link. */
    public synchronized void setGroup(long groupId, LinkFaults faults) {
        groups.put(groupId, Objects.requireNonNull(faults));
    }

    /** Faults of {@code groupId}'s messages from {@code from} to {@code to}. */
    public synchronized void setLinkGroup(long from, long to, long groupId, LinkFaults faults) {
        linkGroups.put(new LinkGroup(from, to, groupId), Objects.requireNonNull(faults));
    }

    /** Cuts the directed link {@code from -> to}. */
    public synchronized void cut(long from, long to) {
        cut.add(new Link(from, to));
    }

    /** Cuts every link between the two sides, both ways; links within a side stay up. */
    public synchronized void partition(Collection<Long> side, Collection<Long> otherSide) {
        for (long a : side) {
            for (long b : otherSide) {
                if (a == b) {
                    throw new IllegalArgumentException("node " + a + " is on both sides of the partition");
                }
                cut.add(new Link(a, b));
                cut.add(new Link(b, a));
            }
        }
    }

    /** Restores every cut link; fault rules stay. */
    public synchronized void heal() {
        cut.clear();
    }

    /** Removes every cut and rule. */
    public synchronized void reset() {
        cut.clear();
        links.clear();
        groups.clear();
        linkGroups.clear();
        defaults = LinkFaults.NONE;
    }

    public synchronized boolean isCut(long from, long to) {
        return cut.contains(new Link(from, to));
    }

    /** The faults that apply to {@code groupId}'s messages from {@code from} to {@code to}. */
    public synchronized LinkFaults faultsFor(long from, long to, long groupId) {
        if (cut.contains(new Link(from, to))) {
            return LinkFaults.BLOCKED;
        }
        LinkFaults faults = linkGroups.get(new LinkGroup(from, to, groupId));
        if (faults == null) {
            faults = groups.get(groupId);
        }
        if (faults == null) {
            faults = links.get(new Link(from, to));
        }
        return faults == null ? defaults : faults;
    }
}
