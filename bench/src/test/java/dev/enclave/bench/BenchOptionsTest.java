package dev.enclave.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchOptionsTest {

    @Test
    void defaultsMeasureEveryHopAtOneAndThirtyTwoConnectionsInBothModes() {
        BenchOptions options = BenchOptions.parse(new String[0]);
        assertThat(options.connections()).containsExactly(1, 32);
        assertThat(options.targets()).containsExactly("simulator", "gateway", "instance");
        assertThat(options.modes()).containsExactly("json", "stream");
        assertThat(options.warmup()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.duration()).isEqualTo(Duration.ofSeconds(8));
    }

    @Test
    void durationsTakeUnitsAndBothOptionSpellings() {
        BenchOptions options = BenchOptions.parse(new String[]{"--duration", "1.5s", "--warmup=500ms",
                "--timeout", "1m", "--connections", "4,16", "--modes=stream", "--root", "/tmp"});
        assertThat(options.duration()).isEqualTo(Duration.ofMillis(1500));
        assertThat(options.warmup()).isEqualTo(Duration.ofMillis(500));
        assertThat(options.timeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(options.connections()).isEqualTo(List.of(4, 16));
        assertThat(options.modes()).containsExactly("stream");
        assertThat(options.root().toString()).isEqualTo("/tmp");
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> BenchOptions.parse(new String[]{"--duration", "soon"}))
                .hasMessageContaining("--duration: not a duration: soon");
        assertThatThrownBy(() -> BenchOptions.parse(new String[]{"--targets", "gateway,adapter"}))
                .hasMessageContaining("unknown adapter");
        assertThatThrownBy(() -> BenchOptions.parse(new String[]{"--connections", "0"}))
                .hasMessageContaining("not a positive number: 0");
        assertThatThrownBy(() -> BenchOptions.parse(new String[]{"--warmup"}))
                .hasMessageContaining("--warmup needs a value");
        assertThatThrownBy(() -> BenchOptions.parse(new String[]{"--fast"}))
                .hasMessageContaining("Unknown option --fast");
    }
}
