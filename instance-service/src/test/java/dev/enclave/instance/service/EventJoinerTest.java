package dev.enclave.instance.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.instance.rest.ApiException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The chat answer is joined from NDJSON events however the bytes were cut into pieces. */
class EventJoinerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String join(byte[]... pieces) {
        ChatCompletions.EventJoiner joiner = new ChatCompletions.EventJoiner(JSON);
        for (byte[] piece : pieces) {
            joiner.accept(piece);
        }
        return joiner.finish();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void deltasAreJoinedAcrossLinesSplitAnywhere() {
        byte[] all = bytes("{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"Use \"}}\n\n"
                + "{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"git revert.\"}}\n");
        for (int cut = 1; cut < all.length; cut++) {
            assertThat(join(Arrays.copyOfRange(all, 0, cut), Arrays.copyOfRange(all, cut, all.length)))
                    .as("cut at %d", cut).isEqualTo("Use git revert.");
        }
    }

    @Test
    void aMultiByteCharacterSplitAcrossPiecesSurvives() {
        String text = "caf\u00e9 \u2603";
        byte[] all = bytes("{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"" + text + "\"}}");
        // Cut inside the two bytes of the accented e.
        int inside = bytes("{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"caf").length + 1;
        assertThat(join(Arrays.copyOfRange(all, 0, inside), Arrays.copyOfRange(all, inside, all.length)))
                .isEqualTo(text);
    }

    @Test
    void anErrorEventIsAServiceUnavailableNamingTheGatewaysMessage() {
        assertThatThrownBy(() -> join(bytes("{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"Us\"}}\n"
                + "{\"type\":\"error\",\"data\":{\"message\":\"model_server_timeout\",\"retryable\":true}}\n")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.getMessage()).contains("model_server_timeout");
                });
    }

    @Test
    void somethingThatIsNotNdjsonSaysSo() {
        assertThatThrownBy(() -> join(bytes("<html>oops</html>\n")))
                .isInstanceOf(ApiException.class).hasMessageContaining("not NDJSON");
    }
}
