package dev.enclave.adapter.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.adapter.rest.AdapterWire;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Vertex AI's {@code streamGenerateContent?alt=sse} chunks, cut in every way the network could. */
class VertexStreamParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static StreamParser parser(Recorder recorder) {
        return new VertexStreamParser(JSON, reason -> "MAX_TOKENS".equals(reason) ? "length" : "stop:" + reason,
                "gemini-1.5-pro-002", recorder, 4096);
    }

    @Test
    void textFinishReasonAndTheLastUsageAcrossEveryCut() {
        byte[] body = ("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Voil\u00e0\"}]}}],"
                + "\"usageMetadata\":{\"promptTokenCount\":9,\"totalTokenCount\":9},\"modelVersion\":\"gemini-1.5-pro-002\"}\r\n\r\n"
                + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"thinking\",\"thought\":true},"
                + "{\"text\":\" \uD83D\uDE80\"}]}}],\"usageMetadata\":{\"promptTokenCount\":9,\"totalTokenCount\":9}}\r\n\r\n"
                + "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"\"}]},\"finishReason\":\"MAX_TOKENS\"}],"
                + "\"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":3,\"totalTokenCount\":12}}\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);

        assertThat(Splits.everyCut(body, VertexStreamParserTest::parser)).allSatisfy(parse -> {
            assertThat(parse.failure()).as(parse.cut()).isNull();
            assertThat(parse.recorder().texts).as(parse.cut()).containsExactly("Voil\u00e0", " \uD83D\uDE80");
            assertThat(parse.recorder().outcome).as(parse.cut()).isEqualTo(new StreamOutcome("length",
                    "gemini-1.5-pro-002", new AdapterWire.Usage(9, 3)));
        });
    }

    @Test
    void anErrorEventEndsTheStreamWithGooglesStatusAndMessage() {
        byte[] body = ("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}]}\n\n"
                + "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}\n\n")
                .getBytes(StandardCharsets.UTF_8);

        assertThat(Splits.everyCut(body, VertexStreamParserTest::parser)).allSatisfy(parse -> {
            assertThat(parse.recorder().texts).as(parse.cut()).containsExactly("Hi");
            assertThat(parse.recorder().outcome).isNull();
            assertThat(parse.failure()).as(parse.cut())
                    .hasMessage("sent an error in its stream: UNAVAILABLE: The model is overloaded.");
        });
    }

    @Test
    void aBodyThatEndsWithoutAFinishReasonIsBroken() {
        byte[] body = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}]}\r\n\r\n"
                .getBytes(StandardCharsets.UTF_8);

        assertThat(Splits.everyCut(body, VertexStreamParserTest::parser)).allSatisfy(parse ->
                assertThat(parse.failure()).as(parse.cut())
                        .hasMessage("ended its stream before the answer was finished"));
    }

    @Test
    void aBlockedPromptFinishesAsContentFilter() {
        byte[] body = "data: {\"promptFeedback\":{\"blockReason\":\"SAFETY\"},\"usageMetadata\":{\"promptTokenCount\":4}}\n\n"
                .getBytes(StandardCharsets.UTF_8);

        Splits.Parse parse = Splits.parse("whole", VertexStreamParserTest::parser, body);

        assertThat(parse.failure()).isNull();
        assertThat(parse.recorder().texts).isEmpty();
        assertThat(parse.recorder().outcome.finishReason()).isEqualTo("content_filter");
    }
}
