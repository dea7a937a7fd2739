package io.armada.raft.bench;

/** One benchmark point: this many groups, each kept at exactly this many proposals in flight. */
record LoadPoint(int groups, int inflightPerGroup) {
    LoadPoint {
        if (groups < 1 || groups > BenchOptions.MAX_GROUPS) {
            throw new IllegalArgumentException("groups: " + groups + " is outside 1.." + BenchOptions.MAX_GROUPS);
        }
        if (inflightPerGroup < 1 || inflightPerGroup > BenchOptions.MAX_INFLIGHT_PER_GROUP) {
            throw new IllegalArgumentException(
                    "inflight: " + inflightPerGroup + " is outside 1.." + BenchOptions.MAX_INFLIGHT_PER_GROUP);
        }
    }

    @Override
    public String toString() {
        return "groups=" + groups + " inflight=" + inflightPerGroup;
    }
}
