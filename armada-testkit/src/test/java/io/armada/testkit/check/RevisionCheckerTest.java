package io.armada.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RevisionCheckerTest {
    @Test
    void aConsistentHistoryPasses() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(2, "j", "x", 0, 12, 6)
                .delete(1, "k", 20, 30, 7)
                .read(3, "k", 31, 40, 7, null, 0)
                .followerRead(3, "j", 41, 50, 6, "x", 6)
                .followerRead(3, "k", 51, 60, 6, "a", 5)
                .history());
        assertThat(v.violations()).isEmpty();
        assertThat(v.counts()).containsEntry("acknowledged-writes", 3L).containsEntry("reads-checked", 3L);
    }

    @Test
    void aRevisionAcknowledgedTwiceIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(2, "j", "b", 0, 10, 5)
                .history());
        assertThat(v.violations()).singleElement().asString().contains("revision 5 acknowledged twice");
    }

    @Test
    void revisionsMustFollowRealTime() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 9)
                .put(2, "j", "b", 20, 30, 6)
                .history());
        assertThat(v.violations()).singleElement().asString().contains("contradicts real time");
    }

    @Test
    void aReadThatMissesAnAcknowledgedWriteAtItsRevisionIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(1, "k", "b", 11, 20, 6)
                .followerRead(2, "k", 30, 40, 6, "a", 5)
                .history());
        assertThat(v.violations()).singleElement().asString().contains("missed");
    }

    @Test
    void aDeletedKeyComingBackIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .delete(1, "k", 11, 20, 6)
                .followerRead(2, "k", 30, 40, 8, "a", 5)
                .history());
        assertThat(v.valid()).isFalse();
    }

    @Test
    void aValueAttributedToTheWrongRevisionIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(1, "k", "b", 11, 20, 6)
                .read(2, "k", 30, 40, 6, "a", 6)
                .history());
        assertThat(v.violations()).singleElement().asString().contains("the write at that revision");
    }

    @Test
    void aFollowerGoingBackwardsForOneClientIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(1, "k", "b", 11, 20, 6)
                .followerRead(2, "k", 30, 40, 6, "b", 6)
                .followerRead(2, "k", 41, 50, 5, "a", 5)
                .history());
        assertThat(v.violations()).singleElement().asString().contains("client 2 saw revision 5");
    }

    @Test
    void anUnknownWriteMayExplainARead() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .putUnknown(2, "k", "b", 20)
                .followerRead(3, "k", 30, 40, 9, "b", 9)
                .history());
        assertThat(v.violations()).isEmpty();
    }

    @Test
    void aReadThatFindsNoValueWhereAnAcknowledgedPutStandsIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .followerRead(2, "k", 30, 40, 5, null, 0)
                .history());
        assertThat(v.violations()).singleElement().asString().contains("found no value at revision 5");
    }

    @Test
    void onlyAnUnknownDeleteSentBeforeTheReadCompletedExplainsAnAbsence() {
        Histories before = new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .deleteUnknown(2, "k", 15)
                .followerRead(3, "k", 30, 40, 8, null, 0);
        assertThat(RevisionChecker.check(before.history()).violations()).isEmpty();
        Histories after = new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .followerRead(3, "k", 30, 40, 8, null, 0)
                .deleteUnknown(2, "k", 50);
        assertThat(RevisionChecker.check(after.history()).valid()).isFalse();
    }

    @Test
    void aValueFromAfterTheReadsOwnRevisionIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 7)
                .followerRead(2, "k", 5, 40, 6, "a", 7)
                .history());
        assertThat(v.violations()).singleElement().asString().contains("outside (0, 6]");
    }

    @Test
    void aReadOfAValueNoWriteProducedIsFlagged() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .followerRead(2, "k", 20, 30, 9, "zzz", 9)
                .history());
        assertThat(v.violations()).singleElement().asString().contains("no write sent before it completed produced");
    }

    @Test
    void aReadCannotSeeAWriteSentAfterItCompleted() {
        Verdict v = RevisionChecker.check(new Histories()
                .followerRead(2, "k", 0, 10, 5, "a", 5)
                .put(1, "k", "a", 20, 30, 5)
                .history());
        assertThat(v.violations()).anySatisfy(s -> assertThat(s).contains("sent after the read completed"));
    }

    @Test
    void anUnknownWriteCannotTakeARevisionAnotherWriteHas() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "j", "x", 0, 10, 9)
                .putUnknown(2, "k", "b", 20)
                .followerRead(3, "k", 30, 40, 9, "b", 9)
                .history());
        assertThat(v.violations()).singleElement().asString().contains("revision 9 belongs to #0");
    }

    @Test
    void readsMustAgreeOnTheRevisionOfAnUnknownWrite() {
        Verdict v = RevisionChecker.check(new Histories()
                .putUnknown(2, "k", "b", 0)
                .followerRead(3, "k", 30, 40, 9, "b", 9)
                .followerRead(4, "k", 30, 40, 9, "b", 8)
                .history());
        assertThat(v.violations()).singleElement().asString().contains("different revisions");
    }

    @Test
    void anUnknownWriteSeenByAReadObeysRealTimeToo() {
        // the read places the unknown put at revision 4, below a write acknowledged before the put was sent
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "j", "x", 0, 10, 5)
                .putUnknown(2, "k", "b", 20)
                .followerRead(3, "k", 30, 40, 5, "b", 4)
                .history());
        assertThat(v.violations()).singleElement().asString().contains("contradicts real time");
    }

    @Test
    void aWriteSentAfterAReadCameBackHasAHigherRevision() {
        // the read's state at revision 8 was committed before it came back: a later write cannot be numbered 7
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .followerRead(2, "k", 30, 40, 8, "a", 5)
                .put(3, "j", "c", 50, 60, 7)
                .history());
        assertThat(v.violations())
                .singleElement()
                .asString()
                .contains("contradicts real time")
                .contains("#1 p2 READ")
                .contains("#2 p3 PUT t/j = c");
    }

    @Test
    void aWriteSentAfterAReadCameBackCannotShareItsRevision() {
        // the off-by-one case: the read's revision 8 was already applied, so a later write is 9 or more
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .followerRead(2, "k", 30, 40, 8, "a", 5)
                .put(3, "j", "c", 50, 60, 8)
                .history());
        assertThat(v.violations())
                .singleElement()
                .asString()
                .contains("contradicts real time")
                .contains("#1 p2 READ")
                .contains("#2 p3 PUT t/j = c");
        Verdict next = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .followerRead(2, "k", 30, 40, 8, "a", 5)
                .put(3, "j", "c", 50, 60, 9)
                .history());
        assertThat(next.violations()).isEmpty();
    }

    @Test
    void aWriteSentAfterAnotherCameBackCannotShareItsRevision() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(2, "j", "b", 20, 30, 5)
                .history());
        assertThat(v.violations()).anySatisfy(s -> assertThat(s).contains("contradicts real time"));
    }

    @Test
    void aClientReadingOneRevisionTwiceOrAHigherOneIsFine() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(1, "k", "b", 11, 20, 6)
                .followerRead(2, "k", 30, 40, 5, "a", 5)
                .followerRead(2, "k", 41, 50, 5, "a", 5)
                .followerRead(2, "k", 51, 60, 6, "b", 6)
                .history());
        assertThat(v.violations()).isEmpty();
    }

    @Test
    void aClientGoingBackBelowTheHighestRevisionItSawIsFlagged() {
        // 5, 7, then 6: above the first, below the highest
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(1, "k", "b", 11, 20, 6)
                .put(1, "k", "c", 21, 30, 7)
                .followerRead(2, "k", 40, 50, 5, "a", 5)
                .followerRead(2, "k", 51, 60, 7, "c", 7)
                .followerRead(2, "k", 61, 70, 6, "b", 6)
                .history());
        assertThat(v.violations())
                .singleElement()
                .asString()
                .contains("client 2 saw revision 6")
                .contains("after it had seen 7");
    }

    @Test
    void operationsThatTouchInTimeAreConcurrent() {
        // the first put came back at 20, the second was sent at 20: either order, so a lower revision is fine
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 20, 6)
                .put(2, "j", "b", 20, 30, 5)
                .history());
        assertThat(v.violations()).isEmpty();
        // the same for a read of a write sent the moment the read came back
        Verdict read = RevisionChecker.check(new Histories()
                .followerRead(2, "k", 30, 40, 5, "a", 5)
                .put(1, "k", "a", 40, 50, 5)
                .history());
        assertThat(read.violations()).isEmpty();
    }

    @Test
    void aModRevisionMayEqualTheReadsRevisionButNotBeZero() {
        Verdict atItsOwn = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 6)
                .followerRead(2, "k", 20, 30, 6, "a", 6)
                .history());
        assertThat(atItsOwn.violations()).isEmpty();
        Verdict zero = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 6)
                .followerRead(2, "k", 20, 30, 6, "a", 0)
                .history());
        assertThat(zero.violations()).singleElement().asString().contains("outside (0, 6]");
    }

    @Test
    void aChangeAfterTheReadsRevisionIsNotMissed() {
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(1, "k", "b", 11, 20, 7)
                .followerRead(2, "k", 30, 40, 6, "a", 5)
                .history());
        assertThat(v.violations()).isEmpty();
    }

    @Test
    void aValueOfAnUnknownWriteMustStillBeTheLatestAtTheReadsRevision() {
        // the first read gives the unknown put revision 9; an acknowledged put at 10 then hides it at 11
        Histories first = new Histories()
                .putUnknown(1, "k", "b", 0)
                .put(2, "k", "c", 5, 15, 10)
                .followerRead(3, "k", 30, 40, 11, "b", 9);
        assertThat(RevisionChecker.check(first.history()).violations())
                .singleElement()
                .asString()
                .contains("read at revision 11 missed #1");
        Histories again = new Histories()
                .putUnknown(1, "k", "b", 0)
                .followerRead(3, "k", 20, 25, 9, "b", 9)
                .put(2, "k", "c", 26, 28, 10)
                .followerRead(3, "k", 30, 40, 11, "b", 9);
        assertThat(RevisionChecker.check(again.history()).violations())
                .singleElement()
                .asString()
                .contains("read at revision 11 missed #2");
    }

    @Test
    void aReadNoWriteExplainsIsOneViolationNotTwo() {
        // each of these reads is also behind the put at 7; once unexplained, it is not judged further
        Verdict noWriter = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 7)
                .followerRead(2, "k", 20, 30, 9, "zzz", 3)
                .history());
        assertThat(noWriter.violations())
                .singleElement()
                .asString()
                .contains("no write sent before it completed produced");
        Verdict disagreeing = RevisionChecker.check(new Histories()
                .putUnknown(1, "k", "b", 0)
                .followerRead(3, "k", 10, 12, 6, "b", 4)
                .put(1, "k", "a", 13, 14, 7)
                .followerRead(4, "k", 20, 30, 9, "b", 3)
                .history());
        assertThat(disagreeing.violations()).singleElement().asString().contains("different revisions");
        Verdict taken = RevisionChecker.check(new Histories()
                .put(1, "j", "x", 0, 10, 3)
                .putUnknown(2, "k", "b", 20)
                .put(1, "k", "a", 21, 22, 7)
                .followerRead(3, "k", 30, 40, 9, "b", 3)
                .history());
        assertThat(taken.violations()).singleElement().asString().contains("revision 3 belongs to #0");
    }

    @Test
    void anUnknownWriteSentAsTheReadCompletedMayExplainIt() {
        // touching in time is concurrent, as for acknowledged writes (aReadCannotSeeAWriteSentAfterItCompleted)
        Verdict put = RevisionChecker.check(new Histories()
                .followerRead(3, "k", 30, 40, 9, "b", 9)
                .putUnknown(2, "k", "b", 40)
                .history());
        assertThat(put.violations()).isEmpty();
        Verdict delete = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .followerRead(3, "k", 30, 40, 8, null, 0)
                .deleteUnknown(2, "k", 40)
                .history());
        assertThat(delete.violations()).isEmpty();
        Verdict after = RevisionChecker.check(new Histories()
                .followerRead(3, "k", 30, 40, 9, "b", 9)
                .putUnknown(2, "k", "b", 41)
                .history());
        assertThat(after.valid()).isFalse();
    }

    @Test
    void aLinearizableReadIsNeverBehindAnAcknowledgedWrite() {
        // the value is right (the other key's write is newer), but the read claims a revision before that write
        Verdict v = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(1, "j", "x", 11, 20, 6)
                .read(2, "k", 30, 40, 5, "a", 5)
                .history());
        assertThat(v.violations()).singleElement().asString().contains("linearizable read at revision 5");
        Verdict stale = RevisionChecker.check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(1, "j", "x", 11, 20, 6)
                .followerRead(2, "k", 30, 40, 5, "a", 5)
                .history());
        assertThat(stale.violations()).as("a serializable read may lag").isEmpty();
    }
}
