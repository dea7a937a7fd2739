package io.armada.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RevisionCheckerTest {
    @Test
    void aConsistentHistoryPasses() {
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5).put(2, "j", "x", 0, 12, 6)
                .delete(1, "k", 20, 30, 7).read(3, "k", 31, 40, 7, null, 0).followerRead(3, "j", 41, 50, 6, "x", 6)
                .followerRead(3, "k", 51, 60, 6, "a", 5).history());
        assertThat(v.violations()).isEmpty();
        assertThat(v.counts()).containsEntry("acknowledged-writes", 3L).containsEntry("reads-checked", 3L);
    }

    @Test
    void aRevisionAcknowledgedTwiceIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5).put(2, "j", "b", 0, 10, 5).history());
        assertThat(v.violations()).singleElement().asString().contains("revision 5 acknowledged twice");
    }

    @Test
    void revisionsMustFollowRealTime() {
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 9).put(2, "j", "b", 20, 30, 6).history());
        assertThat(v.violations()).singleElement().asString().contains("contradicts real time");
    }

    @Test
    void aReadThatMissesAnAcknowledgedWriteAtItsRevisionIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5).put(1, "k", "b", 11, 20, 6)
                .followerRead(2, "k", 30, 40, 6, "a", 5).history());
        assertThat(v.violations()).singleElement().asString().contains("missed");
    }

    @Test
    void aDeletedKeyComingBackIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5).delete(1, "k", 11, 20, 6)
                .followerRead(2, "k", 30, 40, 8, "a", 5).history());
        assertThat(v.valid()).isFalse();
    }

    @Test
    void aValueAttributedToTheWrongRevisionIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5).put(1, "k", "b", 11, 20, 6)
                .read(2, "k", 30, 40, 6, "a", 6).history());
        assertThat(v.violations()).singleElement().asString().contains("the write at that revision");
    }

    @Test
    void aFollowerGoingBackwardsForOneClientIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5).put(1, "k", "b", 11, 20, 6)
                .followerRead(2, "k", 30, 40, 6, "b", 6).followerRead(2, "k", 41, 50, 5, "a", 5).history());
        assertThat(v.violations()).singleElement().asString().contains("client 2 saw revision 5");
    }

    @Test
    void anUnknownWriteMayExplainARead() {
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5).putUnknown(2, "k", "b", 20)
                .followerRead(3, "k", 30, 40, 9, "b", 9).history());
        assertThat(v.violations()).isEmpty();
    }
}
