package dev.enclave.gateway.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The margin kept back from model-adapter, and the pool that must cover the bulkhead. */
class DeadlineMarginTest {

    private static final Duration FLOOR = Duration.ofMillis(250);
    private static final Duration CAP = Duration.ofSeconds(2);

    private static long margin(long leftMs) {
        return Deadline.margin(Duration.ofMillis(leftMs), FLOOR, 0.1, CAP).toMillis();
    }

    @Test
    void aShortBudgetKeepsTheFloor() {
        assertThat(margin(800)).isEqualTo(250);
        assertThat(margin(2_500)).isEqualTo(250);
        assertThat(margin(1)).isEqualTo(250);
        assertThat(margin(-5)).isEqualTo(250);
    }

    @Test
    void aLongerBudgetKeepsItsShare() {
        assertThat(margin(5_000)).isEqualTo(500);
        assertThat(margin(12_000)).isEqualTo(1_200);
    }

    @Test
    void theShareIsCapped() {
        assertThat(margin(55_000)).isEqualTo(2_000);
        assertThat(margin(600_000)).isEqualTo(2_000);
    }

    @Test
    void aFloorAboveTheCapWins() {
        assertThat(Deadline.margin(Duration.ofSeconds(60), Duration.ofSeconds(3), 0.1, CAP)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void theNextHopGetsTheTimeLeftLessTheMargin() {
        Deadline deadline = Deadline.in(Duration.ofSeconds(55));
        assertThat(deadline.forNextHopMillis(FLOOR, 0.1, CAP)).isBetween(52_000L, 53_000L);
        assertThat(Deadline.in(Duration.ofMillis(100)).forNextHopMillis(FLOOR, 0.1, CAP)).isEqualTo(1L);
    }

    @Test
    void aPoolSmallerThanTheBulkheadIsRefused() {
        assertThatThrownBy(() -> ModelAdapterClient.checkPool(50, 256, 16))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("connection-pool-size is 50").hasMessageContaining("at least 272");
        ModelAdapterClient.checkPool(272, 256, 16);
    }
}
