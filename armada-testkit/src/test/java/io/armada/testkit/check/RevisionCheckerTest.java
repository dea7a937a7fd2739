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

    @Test
    void aReadThatFindsNoValueWhereAnAcknowledgedPutStandsIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5)
                .followerRead(2, "k", 30, 40, 5, null, 0).history());
        assertThat(v.violations()).singleElement().asString().contains("found no value at revision 5");
    }

    @Test
    void onlyAnUnknownDeleteSentBeforeTheReadCompletedExplainsAnAbsence() {
        Histories before = new Histories().put(1, "k", "a", 0, 10, 5).deleteUnknown(2, "k", 15)
                .followerRead(3, "k", 30, 40, 8, null, 0);
        assertThat(RevisionChecker.check(before.history()).violations()).isEmpty();
        Histories after = new Histories().put(1, "k", "a", 0, 10, 5).followerRead(3, "k", 30, 40, 8, null, 0)
                .deleteUnknown(2, "k", 50);
        assertThat(RevisionChecker.check(after.history()).valid()).isFalse();
    }

    @Test
    void aValueFromAfterTheReadsOwnRevisionIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 7)
                .followerRead(2, "k", 5, 40, 6, "a", 7).history());
        assertThat(v.violations()).singleElement().asString().contains("outside (0, 6]");
    }

    @Test
    void aReadOfAValueNoWriteProducedIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5)
                .followerRead(2, "k", 20, 30, 9, "zzz", 9).history());
        assertThat(v.violations()).singleElement().asString().contains("no write sent before it completed produced");
    }

    @Test
    void aReadCannotSeeAWriteSentAfterItCompleted() {
        Verdict v = RevisionChecker.check(new Histories().followerRead(2, "k", 0, 10, 5, "a", 5)
                .put(1, "k", "a", 20, 30, 5).history());
        assertThat(v.violations()).anySatisfy(s -> assertThat(s).contains("sent after the read completed"));
    }

    @Test
    void anUnknownWriteCannotTakeARevisionAnotherWriteHas() {
        Verdict v = RevisionChecker.check(new Histories().put(1, "j", "x", 0, 10, 9).putUnknown(2, "k", "b", 20)
                .followerRead(3, "k", 30, 40, 9, "b", 9).history());
        assertThat(v.violations()).singleElement().asString().contains("revision 9 belongs to #0");
    }

    @Test
    void readsMustAgreeOnTheRevisionOfAnUnknownWrite() {
        Verdict v = RevisionChecker.check(new Histories().putUnknown(2, "k", "b", 0)
                .followerRead(3, "k", 30, 40, 9, "b", 9).followerRead(4, "k", 30, 40, 9, "b", 8).history());
        assertThat(v.violations()).singleElement().asString().contains("different revisions");
    }

    @Test
    void anUnknownWriteSeenByAReadObeysRealTimeToo() {
        // the read places the unknown put at revision 4, below a write acknowledged before the put was sent
        Verdict v = RevisionChecker.check(new Histories().put(1, "j", "x", 0, 10, 5).putUnknown(2, "k", "b", 20)
                .followerRead(3, "k", 30, 40, 5, "b", 4).history());
        assertThat(v.violations()).singleElement().asString().contains("contradicts real time");
    }

    @Test
    void aWriteSentAfterAReadCameBackHasAHigherRevision() {
        // the read's state at revision 8 was committed before it came back: a later write cannot be numbered 7
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5)
                .followerRead(2, "k", 30, 40, 8, "a", 5).put(3, "j", "c", 50, 60, 7).history());
        assertThat(v.violations()).singleElement().asString().contains("contradicts real time").contains("#1 p2 READ")
                .contains("#2 p3 PUT t/j = c");
    }

    @Test
    void aWriteSentAfterAReadCameBackCannotShareItsRevision() {
        // the off-by-one case: the read's revision 8 was already applied, so a later write is 9 or more
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5)
                .followerRead(2, "k", 30, 40, 8, "a", 5).put(3, "j", "c", 50, 60, 8).history());
        assertThat(v.violations()).singleElement().asString().contains("contradicts real time").contains("#1 p2 READ")
                .contains("#2 p3 PUT t/j = c");
        Verdict next = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5)
                .followerRead(2, "k", 30, 40, 8, "a", 5).put(3, "j", "c", 50, 60, 9).history());
        assertThat(next.violations()).isEmpty();
    }

    @Test
    void aWriteSentAfterAnotherCameBackCannotShareItsRevision() {
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5).put(2, "j", "b", 20, 30, 5).history());
        assertThat(v.violations()).anySatisfy(s -> assertThat(s).contains("contradicts real time"));
    }

    @Test
    void aLinearizableReadIsNeverBehindAnAcknowledgedWrite() {
        // the value is right (the other key's write is newer), but the read claims a revision before that write
        Verdict v = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5).put(1, "j", "x", 11, 20, 6)
                .read(2, "k", 30, 40, 5, "a", 5).history());
        assertThat(v.violations()).singleElement().asString().contains("linearizable read at revision 5");
        Verdict stale = RevisionChecker.check(new Histories().put(1, "k", "a", 0, 10, 5).put(1, "j", "x", 11, 20, 6)
                .followerRead(2, "k", 30, 40, 5, "a", 5).history());
        assertThat(stale.violations()).as("a serializable read may lag").isEmpty();
    }
}
