package io.armada.client;

import io.armada.api.v1.ResponseHeader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What the client has learned from response headers about where each table's Raft leader is.
 * Every header names the member that answered (and its cluster) and the member that member
 * believes leads the table's group; once the leader's own endpoint is known, a table's writes go
 * there instead of through another member that would forward them — one gRPC hop fewer. The
 * routes are only hints: a stale one costs a forward, and the answer to it corrects the route.
 */
final class TableLeaderRoutes {
    /** Bound on remembered tables; past it the routes start over (they are hints, relearned by the next answers). */
    static final int MAX_TABLES = 4_096;

    /** A node: member ids are unique only within one cluster. */
    private record Member(long clusterId, long memberId) {}

    /** The member behind each endpoint, as its last answer named itself. */
    private final AtomicReferenceArray<Member> endpoints;

    private final ConcurrentHashMap<String, Member> leaders = new ConcurrentHashMap<>();

    TableLeaderRoutes(int endpointCount) {
        this.endpoints = new AtomicReferenceArray<>(endpointCount);
    }

    /** Learns from the header of an answer {@code endpoint} gave about {@code table}. */
    void learn(int endpoint, String table, ResponseHeader header) {
        if (header.getMemberId() == 0) {
            return; // not a node's answer (no header)
        }
        Member answering = new Member(header.getClusterId(), header.getMemberId());
        if (!answering.equals(endpoints.get(endpoint))) {
            endpoints.set(endpoint, answering);
        }
        if (header.getLeaderId() == 0) {
            leaders.remove(table);
            return;
        }
        Member leader = new Member(header.getClusterId(), header.getLeaderId());
        if (!leader.equals(leaders.get(table))) {
            if (leaders.size() >= MAX_TABLES) {
                leaders.clear();
            }
            leaders.put(table, leader);
        }
    }

    /**
     * Where {@code table}'s leader-bound calls go first: the leader's endpoint; while no answer has
     * come from it yet, an endpoint that has not answered at all (one of them must be the leader, if
     * the leader is among the endpoints); -1 when no leader is known or every endpoint has answered
     * and none is the leader.
     */
    int leaderEndpoint(String table) {
        Member leader = leaders.get(table);
        if (leader == null) {
            return -1;
        }
        int unexplored = -1;
        for (int i = 0; i < endpoints.length(); i++) {
            Member m = endpoints.get(i);
            if (leader.equals(m)) {
                return i;
            }
            if (m == null && unexplored < 0) {
                unexplored = i;
            }
        }
        return unexplored;
    }
}
