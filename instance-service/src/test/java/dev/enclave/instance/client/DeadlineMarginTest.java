package dev.enclave.instance.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The margin kept back from the gateway: max(floor, min(cap, ratio × remaining)). */
class DeadlineMarginTest {

    private static final long FLOOR = 250;
    private static final double RATIO = 0.1;
    private static final long CAP = 2000;

    @Test
    void shortBudgetsKeepTheFloor() {
        assertThat(AiGatewayClient.deadlineMarginMillis(1000, FLOOR, RATIO, CAP)).isEqualTo(250);
        assertThat(AiGatewayClient.deadlineMarginMillis(2500, FLOOR, RATIO, CAP)).isEqualTo(250);
        assertThat(AiGatewayClient.deadlineMarginMillis(0, FLOOR, RATIO, CAP)).isEqualTo(250);
    }

    @Test
    void theMarginGrowsWithTheBudget() {
        // The instance's 5 s budget of the chaos test: 500 ms, not 250 ms.
        assertThat(AiGatewayClient.deadlineMarginMillis(5000, FLOOR, RATIO, CAP)).isEqualTo(500);
        // Code suggestions' 55 s budget would be 5.5 s; the cap keeps it at 2 s.
        assertThat(AiGatewayClient.deadlineMarginMillis(55_000, FLOOR, RATIO, CAP)).isEqualTo(2000);
        assertThat(AiGatewayClient.deadlineMarginMillis(600_000, FLOOR, RATIO, CAP)).isEqualTo(2000);
    }

    @Test
    void theFloorHoldsEvenAboveTheCap() {
        assertThat(AiGatewayClient.deadlineMarginMillis(55_000, 3000, RATIO, CAP)).isEqualTo(3000);
    }

    @Test
    void aZeroRatioIsTheFixedMargin() {
        assertThat(AiGatewayClient.deadlineMarginMillis(55_000, FLOOR, 0, CAP)).isEqualTo(250);
    }
}
