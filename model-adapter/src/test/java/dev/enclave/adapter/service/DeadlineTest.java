package dev.enclave.adapter.service;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DeadlineTest {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(55);
    private static final Duration MARGIN = Duration.ofMillis(100);

    @Test
    void withoutACallersBudgetTheReadTimeoutApplies() {
        Deadline deadline = Deadline.of(1_000, null, null, READ_TIMEOUT, MARGIN);
        assertThat(deadline.budget()).isEqualTo(READ_TIMEOUT);
        assertThat(deadline.atNanos()).isEqualTo(1_000 + READ_TIMEOUT.toNanos());
    }

    @Test
    void theSmallerOfHeaderAndBodyLessTheMarginWins() {
        assertThat(Deadline.of(0, 2_000L, 5_000, READ_TIMEOUT, MARGIN).budget()).isEqualTo(Duration.ofMillis(1_900));
        assertThat(Deadline.of(0, 5_000L, 2_000, READ_TIMEOUT, MARGIN).budget()).isEqualTo(Duration.ofMillis(1_900));
        assertThat(Deadline.of(0, null, 2_000, READ_TIMEOUT, MARGIN).budget()).isEqualTo(Duration.ofMillis(1_900));
        assertThat(Deadline.of(0, 2_000L, null, READ_TIMEOUT, MARGIN).budget()).isEqualTo(Duration.ofMillis(1_900));
    }

    @Test
    void theMarginGrowsWithTheBudgetBetweenItsFloorAndItsCap() {
        Duration max = Duration.ofSeconds(2);
        // 10 % of 5 s = 500 ms
        assertThat(Deadline.of(0, 5_000L, null, READ_TIMEOUT, MARGIN, 0.1, max).budget())
                .isEqualTo(Duration.ofMillis(4_500));
        // 10 % of 500 ms = 50 ms, below the 100 ms floor
        assertThat(Deadline.of(0, 500L, null, READ_TIMEOUT, MARGIN, 0.1, max).budget())
                .isEqualTo(Duration.ofMillis(400));
        // 10 % of 50 s = 5 s, capped at 2 s
        assertThat(Deadline.of(0, 50_000L, null, READ_TIMEOUT, MARGIN, 0.1, max).budget())
                .isEqualTo(Duration.ofSeconds(48));
    }

    @Test
    void theReadTimeoutCapsALongerBudget() {
        assertThat(Deadline.of(0, 600_000L, null, READ_TIMEOUT, MARGIN).budget()).isEqualTo(READ_TIMEOUT);
    }

    @Test
    void aBudgetShorterThanTheMarginLeavesNothing() {
        assertThat(Deadline.of(0, 50L, null, READ_TIMEOUT, MARGIN).budget()).isEqualTo(Duration.ZERO);
    }
}
