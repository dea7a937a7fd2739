package io.armada.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.testkit.history.History;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {
    private final LinearizabilityChecker checker =
            new LinearizabilityChecker(LinearizabilityChecker.DEFAULT_STEP_LIMIT);

    private Verdict check(Histories h) {
        return checker.check(h.history());
    }

    @Test
    void aSequentialHistoryIsLinearizable() {
        Verdict v = check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .read(1, "k", 11, 20, 5, "a", 5)
                .delete(1, "k", 21, 30, 6)
                .read(1, "k", 31, 40, 6, null, 0));
        assertThat(v.valid()).isTrue();
        assertThat(v.complete()).isTrue();
    }

    @Test
    void readsDuringAWriteMaySeeEitherValueButNeverGoBack() {
        Histories h = new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(2, "k", "b", 20, 60, 7)
                .read(3, "k", 25, 30, 7, "b", 7) // saw the new value while the write was in flight
                .read(4, "k", 26, 35, 5, "a", 5); // concurrent with both: may still see the old one
        assertThat(check(h).valid()).isTrue();
        h.read(3, "k", 40, 50, 5, "a", 5); // after seeing b, the same order cannot give a again
        assertThat(check(h).valid()).isFalse();
    }

    @Test
    void aStaleReadAfterACompletedWriteIsAViolation() {
        Verdict v = check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(1, "k", "b", 11, 20, 6)
                .read(2, "k", 30, 40, 6, "a", 5));
        assertThat(v.valid()).isFalse();
        // the explanation: the partition, how far an order got, and what could not be placed after it
        assertThat(v.violations())
                .singleElement()
                .asString()
                .contains("key t/k is not linearizable")
                .contains("longest linearizable prefix places 2: #0 p1 PUT t/k = a", "#1 p1 PUT t/k = b")
                .contains("the key is then b@6")
                .contains("#2 p2 READ t/k -> a@5 OK rev=6 [30..40] completed without a place");
    }

    @Test
    void readingAValueThenAnOlderOneAfterBothWritesCompletedIsAViolation() {
        Histories h = new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(2, "k", "b", 0, 10, 6) // concurrent: either order
                .read(3, "k", 20, 30, 6, "b", 6);
        assertThat(check(h).valid()).isTrue();
        h.read(3, "k", 40, 50, 6, "a", 5); // b was last, and nothing wrote a again
        assertThat(check(h).valid()).isFalse();
    }

    @Test
    void aReadOfAnOlderRevisionOfTheSameValueIsAViolation() {
        // the value alone matches (a was written twice); only the mod revision tells the read is stale
        Histories h = new Histories().put(1, "k", "a", 0, 10, 5).put(1, "k", "a", 11, 20, 7);
        assertThat(check(new Histories()
                                .put(1, "k", "a", 0, 10, 5)
                                .put(1, "k", "a", 11, 20, 7)
                                .read(2, "k", 30, 40, 7, "a", 7))
                        .valid())
                .isTrue();
        h.read(2, "k", 30, 40, 7, "a", 5);
        Verdict v = check(h);
        assertThat(v.valid()).isFalse();
        assertThat(v.violations()).singleElement().asString().contains("the key is then a@7");
    }

    @Test
    void theStepLimitMustBePositive() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new LinearizabilityChecker(0))
                .withMessageContaining("step limit must be positive: 0");
        assertThat(new LinearizabilityChecker(1)
                        .check(new Histories().history())
                        .valid())
                .isTrue();
    }

    @Test
    void aSearchGivenExactlyTheStepsItNeedsDecides() {
        Histories h = new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(2, "k", "b", 5, 15, 6)
                .read(3, "k", 20, 30, 6, "b", 6);
        long needed = check(h).counts().get("search-steps");
        assertThat(needed).isPositive();
        assertThat(new LinearizabilityChecker(needed).check(h.history()).complete())
                .isTrue();
        assertThat(new LinearizabilityChecker(needed - 1).check(h.history()).complete())
                .isFalse();
    }

    @Test
    void theSearchStepsOfEveryPartitionAddUp() {
        Histories ok = new Histories().put(1, "k", "a", 0, 10, 5).read(1, "k", 11, 20, 5, "a", 5);
        Histories bad = new Histories().put(1, "j", "a", 0, 10, 5).read(1, "j", 11, 20, 5, "x", 5);
        long okSteps = check(ok).counts().get("search-steps");
        long badSteps = check(bad).counts().get("search-steps");
        assertThat(okSteps).isPositive();
        assertThat(badSteps).isPositive();
        Histories both = new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .read(1, "k", 11, 20, 5, "a", 5)
                .put(1, "j", "a", 30, 40, 6)
                .read(1, "j", 41, 50, 6, "x", 6);
        assertThat(check(both).counts())
                .containsEntry("search-steps", okSteps + badSteps)
                .containsEntry("keys", 2L)
                .containsEntry("operations", 4L);
        Histories many = new Histories();
        for (int i = 0; i < 12; i++) {
            many.put(i, "k", "v" + i, 0, 100, 10 + i);
        }
        many.read(99, "k", 200, 210, 50, "never", 50);
        assertThat(new LinearizabilityChecker(50).check(many.history()).counts())
                .containsEntry("search-steps", 50L);
    }

    @Test
    void theExplanationShowsTheLastEightPlacedAndTheCandidates() {
        Histories eight = new Histories();
        for (int i = 0; i < 8; i++) {
            eight.put(1, "k", "v" + i, 10L * i, 10L * i + 5, 1 + i);
        }
        eight.read(2, "k", 100, 110, 8, "v0", 1);
        assertThat(check(eight).violations())
                .singleElement()
                .asString()
                .contains("longest linearizable prefix places 8: #0 p1 PUT t/k = v0")
                .contains("may come next leads to a full order: #8 p2 READ t/k -> v0@1 OK rev=8 [100..110];");
        Histories nine = new Histories();
        for (int i = 0; i < 9; i++) {
            nine.put(1, "k", "v" + i, 10L * i, 10L * i + 5, 1 + i);
        }
        nine.read(2, "k", 100, 110, 9, "v0", 1);
        assertThat(check(nine).violations())
                .singleElement()
                .asString()
                .contains("longest linearizable prefix places 9, ending with #1 p1 PUT t/k = v1")
                .doesNotContain("ending with #0");
    }

    @Test
    void theExplanationNamesAtMostEightCandidates() {
        assertThat(explanationWithConcurrentReads(8))
                .contains("#7 p7 READ t/k -> never@50 OK rev=50 [1..50];")
                .doesNotContain("more;");
        assertThat(explanationWithConcurrentReads(9))
                .contains("#7 p7 READ t/k -> never@50 OK rev=50 [1..50] and 1 more;")
                .doesNotContain("#8 p8 READ t/k -> never@50 OK rev=50 [1..50] and");
    }

    /** {@code reads} concurrent reads of a value no one wrote: none can be placed, each is a candidate. */
    private String explanationWithConcurrentReads(int reads) {
        Histories h = new Histories();
        for (int i = 0; i < reads; i++) {
            h.read(i, "k", 1, 50, 50, "never", 50);
        }
        return check(h).violations().get(0);
    }

    @Test
    void unknownWritesThatReadsSawAreNotInterchangeable() {
        // b, its read, then a, its read: a was sent first, yet took effect last
        Histories h = new Histories()
                .putUnknown(1, "k", "a", 0)
                .putUnknown(2, "k", "b", 5)
                .read(3, "k", 10, 20, 9, "b", 9)
                .read(3, "k", 30, 40, 11, "a", 11);
        assertThat(check(h).valid()).isTrue();
    }

    @Test
    void aLostAcknowledgedWriteIsAViolation() {
        assertThat(check(new Histories().put(1, "k", "a", 0, 10, 5).read(2, "k", 20, 30, 5, null, 0))
                        .valid())
                .isFalse();
    }

    @Test
    void aReadOfAValueNoOneWroteIsAViolation() {
        assertThat(check(new Histories().put(1, "k", "a", 0, 10, 5).read(2, "k", 20, 30, 9, "zzz", 9))
                        .valid())
                .isFalse();
    }

    @Test
    void aCompareAndSetMustAgreeWithTheState() {
        Histories ok = new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .cas(2, "k", 5, "b", 20, 30, 6, true)
                .cas(3, "k", 5, "c", 40, 50, 7, false)
                .read(1, "k", 60, 70, 7, "b", 6);
        assertThat(check(ok).valid()).isTrue();
        Histories wrong = new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(1, "k", "x", 11, 15, 6)
                .cas(2, "k", 5, "b", 20, 30, 7, true); // the key was at 6, a CAS on 5 cannot hold
        assertThat(check(wrong).valid()).isFalse();
        Histories wrongFailure = new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .cas(2, "k", 5, "b", 20, 30, 6, false); // the key was at 5, a CAS on 5 cannot fail
        assertThat(check(wrongFailure).valid()).isFalse();
    }

    @Test
    void anUnknownWriteMayHaveHappenedOrNot() {
        Histories seen = new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .putUnknown(2, "k", "b", 20)
                .read(3, "k", 100, 110, 8, "b", 8);
        assertThat(check(seen).valid()).isTrue();
        Histories never = new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .putUnknown(2, "k", "b", 20)
                .read(3, "k", 100, 110, 8, "a", 5);
        assertThat(check(never).valid()).isTrue();
        Histories before = new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .read(3, "k", 11, 15, 5, "b", 8)
                .putUnknown(2, "k", "b", 20); // seen before it was even sent
        assertThat(check(before).valid()).isFalse();
    }

    @Test
    void anUnknownWriteNoReadSawMayStillExplainAFailedCompareAndSet() {
        // regression (armada verify leader-cluster-down, seed 8): the key only exists through unknown puts;
        // one was seen by a serializable read only, one by no read at all
        Histories h = new Histories()
                .putUnknown(1, "k", "a", 0)
                .putUnknown(2, "k", "b", 5)
                .cas(3, "k", 0, "c", 100, 110, 12, false);
        assertThat(check(h).valid()).isTrue();
        Histories seenOnlySerializably = new Histories()
                .putUnknown(1, "k", "a", 0)
                .followerRead(2, "k", 20, 30, 5, "a", 5)
                .cas(3, "k", 0, "c", 100, 110, 12, false);
        assertThat(check(seenOnlySerializably).valid()).isTrue();
        Histories unexplained = new Histories().cas(3, "k", 0, "c", 100, 110, 12, false);
        assertThat(check(unexplained).valid()).isFalse();
    }

    @Test
    void anUnknownCompareAndSetThatWasSeenMayHoldThanksToAnUnknownPutNoReadSaw() {
        // the unseen put gives the key an unknown revision, the only way the comparison on 7 can have held
        Histories h = new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .putUnknown(2, "k", "x", 20)
                .casUnknown(3, "k", 7, "c", 30)
                .read(4, "k", 100, 110, 12, "c", 12);
        assertThat(check(h).valid()).isTrue();
    }

    @Test
    void anUnseenUnknownCompareAndSetDoesNotStandInForAnUnseenPut() {
        // only the put can make the key exist, which the failed comparison on "absent" requires
        Histories h = new Histories()
                .casUnknown(1, "k", 42, "q", 0)
                .putUnknown(2, "k", "p", 5)
                .cas(3, "k", 0, "c", 100, 110, 12, false);
        assertThat(check(h).valid()).isTrue();
    }

    @Test
    void anUnseenUnknownCompareAndSetMayRecreateAKeyAnUnknownDeleteRemoved() {
        // regression (a generated history, seed 1687): delete (unknown), CAS on absent (unknown, no read saw
        // its value), then a CAS that held on the revision only that CAS can have had
        Histories h = new Histories()
                .put(1, "k", "a", 0, 10, 36)
                .deleteUnknown(2, "k", 20)
                .casUnknown(3, "k", 0, "b", 15)
                .cas(1, "k", 38, "c", 100, 110, 40, true);
        assertThat(check(h).valid()).isTrue();
    }

    @Test
    void unseenUnknownWritesBeyondWhatComparisonsNeedAreLeftOut() {
        Histories h = new Histories().put(1, "k", "a", 0, 10, 5);
        for (int i = 0; i < 30; i++) {
            h.putUnknown(10 + i, "k", "lost" + i, 20 + i);
        }
        h.cas(2, "k", 0, "c", 100, 110, 40, false).read(3, "k", 200, 210, 40, "a", 5);
        Verdict v = check(h);
        assertThat(v.valid()).isTrue();
        assertThat(v.counts()).containsEntry("unseen-unknown-writes-left-out", 29L);
    }

    @Test
    void serializableReadsTakeNoPart() {
        Verdict v = check(new Histories()
                .put(1, "k", "a", 0, 10, 5)
                .put(1, "k", "b", 11, 20, 6)
                .followerRead(2, "k", 30, 40, 5, "a", 5));
        assertThat(v.valid()).isTrue();
        assertThat(v.counts()).containsEntry("operations", 2L);
    }

    @Test
    void theStepLimitLeavesAKeyUndecidedNotPassedOrFailed() {
        Histories h = new Histories();
        for (int i = 0; i < 12; i++) { // many concurrent writes and a read no order explains
            h.put(i, "k", "v" + i, 0, 100, 10 + i);
        }
        h.read(99, "k", 200, 210, 50, "never", 50);
        Verdict limited = new LinearizabilityChecker(50).check(h.history());
        assertThat(limited.complete()).isFalse();
        assertThat(limited.valid()).isTrue();
        assertThat(limited.undecided())
                .singleElement()
                .asString()
                .startsWith("key t/k: undecided after 50 search steps");
        assertThat(limited.summary()).contains("some parts undecided", "key t/k: undecided");
        assertThat(check(h).valid()).isFalse();
    }

    @Test
    void keysAreCheckedIndependently() {
        History h = new Histories()
                .put(1, "a", "1", 0, 10, 5)
                .put(1, "b", "2", 11, 20, 6)
                .read(2, "a", 30, 40, 6, "1", 5)
                .read(2, "b", 30, 40, 6, "2", 6)
                .history();
        Verdict v = checker.check(h);
        assertThat(v.valid()).isTrue();
        assertThat(v.counts()).containsEntry("keys", 2L);
    }
}
