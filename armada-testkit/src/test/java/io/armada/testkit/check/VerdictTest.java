package io.armada.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class VerdictTest {
    private static List<String> numbered(String what, int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> what + " " + i).toList();
    }

    @Test
    void theSummaryShowsTwentyViolationsAndCountsTheRest() {
        Verdict v = new Verdict("revisions", numbered("violation", 23), List.of(), Map.of("reads-checked", 7L));
        assertThat(v.summary())
                .startsWith("revisions: INVALID {reads-checked=7}")
                .contains("\n  violation 1\n", "\n  violation 20\n  ... 3 more")
                .doesNotContain("violation 21");
    }

    @Test
    void exactlyTwentyAreAllShownWithoutARemainder() {
        Verdict v = new Verdict("revisions", numbered("violation", 20), numbered("part", 2), Map.of());
        assertThat(v.summary()).contains("\n  violation 20\n  part 1\n  part 2").doesNotContain("more");
    }

    @Test
    void undecidedPartsAreListedAfterTheVerdict() {
        Verdict v = new Verdict("linearizability", List.of(), numbered("key", 1), Map.of());
        assertThat(v.summary()).isEqualTo("linearizability: no violation found, some parts undecided {}\n  key 1");
    }
}
