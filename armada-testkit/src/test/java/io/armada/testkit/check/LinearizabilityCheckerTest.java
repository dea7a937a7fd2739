package io.armada.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.testkit.history.History;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {
    private final LinearizabilityChecker checker = new LinearizabilityChecker(LinearizabilityChecker.DEFAULT_STEP_LIMIT);

    private Verdict check(Histories h) {
        return checker.check(h.history());
    }

    @Test
    void aSequentialHistoryIsLinearizable() {
        Verdict v = check(new Histories().put(1, "k", "a", 0, 10, 5).read(1, "k", 11, 20, 5, "a", 5)
                .delete(1, "k", 21, 30, 6).read(1, "k", 31, 40, 6, null, 0));
        assertThat(v.valid()).isTrue();
        assertThat(v.complete()).isTrue();
    }

    @Test
    void readsDuringAWriteMaySeeEitherValueButNeverGoBack() {
        Histories h = new Histories().put(1, "k", "a", 0, 10, 5)
                .put(2, "k", "b", 20, 60, 7)
                .read(3, "k", 25, 30, 7, "b", 7)   // saw the new value while the write was in flight
                .read(4, "k", 26, 35, 5, "a", 5);  // concurrent with both: may still see the old one
        assertThat(check(h).valid()).isTrue();
        h.read(3, "k", 40, 50, 5, "a", 5); // after seeing b, the same order cannot give a again
        assertThat(check(h).valid()).isFalse();
    }

    @Test
    void aStaleReadAfterACompletedWriteIsAViolation() {
        Verdict v = check(new Histories().put(1, "k", "a", 0, 10, 5).put(1, "k", "b", 11, 20, 6)
                .read(2, "k", 30, 40, 6, "a", 5));
        assertThat(v.valid()).isFalse();
        assertThat(v.violations()).singleElement().asString().contains("key t/k");
    }

    @Test
    void aLostAcknowledgedWriteIsAViolation() {
        assertThat(check(new Histories().put(1, "k", "a", 0, 10, 5).read(2, "k", 20, 30, 5, null, 0)).valid()).isFalse();
    }

    @Test
    void aReadOfAValueNoOneWroteIsAViolation() {
        assertThat(check(new Histories().put(1, "k", "a", 0, 10, 5).read(2, "k", 20, 30, 9, "zzz", 9)).valid()).isFalse();
    }

    @Test
    void aCompareAndSetMustAgreeWithTheState() {
        Histories ok = new Histories().put(1, "k", "a", 0, 10, 5).cas(2, "k", 5, "b", 20, 30, 6, true)
                .cas(3, "k", 5, "c", 40, 50, 7, false).read(1, "k", 60, 70, 7, "b", 6);
        assertThat(check(ok).valid()).isTrue();
        Histories wrong = new Histories().put(1, "k", "a", 0, 10, 5).put(1, "k", "x", 11, 15, 6)
                .cas(2, "k", 5, "b", 20, 30, 7, true); // the key was at 6, a CAS on 5 cannot hold
        assertThat(check(wrong).valid()).isFalse();
    }

    @Test
    void anUnknownWriteMayHaveHappenedOrNot() {
        Histories seen = new Histories().put(1, "k", "a", 0, 10, 5).putUnknown(2, "k", "b", 20)
                .read(3, "k", 100, 110, 8, "b", 8);
        assertThat(check(seen).valid()).isTrue();
        Histories never = new Histories().put(1, "k", "a", 0, 10, 5).putUnknown(2, "k", "b", 20)
                .read(3, "k", 100, 110, 8, "a", 5);
        assertThat(check(never).valid()).isTrue();
        Histories before = new Histories().put(1, "k", "a", 0, 10, 5).read(3, "k", 11, 15, 5, "b", 8)
                .putUnknown(2, "k", "b", 20); // seen before it was even sent
        assertThat(check(before).valid()).isFalse();
    }

    @Test
    void anUnknownWriteNoReadSawMayStillExplainAFailedCompareAndSet() {
        // regression (armada verify leader-cluster-down, seed 8): the key only exists through unknown puts;
        // one was seen by a serializable read only, one by no read at all
        Histories h = new Histories().putUnknown(1, "k", "a", 0).putUnknown(2, "k", "b", 5)
                .cas(3, "k", 0, "c", 100, 110, 12, false);
        assertThat(check(h).valid()).isTrue();
        Histories seenOnlySerializably = new Histories().putUnknown(1, "k", "a", 0)
                .followerRead(2, "k", 20, 30, 5, "a", 5).cas(3, "k", 0, "c", 100, 110, 12, false);
        assertThat(check(seenOnlySerializably).valid()).isTrue();
        Histories unexplained = new Histories().cas(3, "k", 0, "c", 100, 110, 12, false);
        assertThat(check(unexplained).valid()).isFalse();
    }

    @Test
    void serializableReadsTakeNoPart() {
        Verdict v = check(new Histories().put(1, "k", "a", 0, 10, 5).put(1, "k", "b", 11, 20, 6)
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
        assertThat(check(h).valid()).isFalse();
    }

    @Test
    void keysAreCheckedIndependently() {
        History h = new Histories().put(1, "a", "1", 0, 10, 5).put(1, "b", "2", 11, 20, 6)
                .read(2, "a", 30, 40, 6, "1", 5).read(2, "b", 30, 40, 6, "2", 6).history();
        Verdict v = checker.check(h);
        assertThat(v.valid()).isTrue();
        assertThat(v.counts()).containsEntry("keys", 2L);
    }
}
