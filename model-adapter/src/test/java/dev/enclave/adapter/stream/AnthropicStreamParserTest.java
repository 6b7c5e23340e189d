package dev.enclave.adapter.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.adapter.rest.AdapterWire;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Anthropic's Messages stream events, cut in every way the network could. */
class AnthropicStreamParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static StreamParser parser(Recorder recorder) {
        return new AnthropicStreamParser(JSON, reason -> "max_tokens".equals(reason) ? "length" : "stop:" + reason,
                recorder, 4096);
    }

    @Test
    void textDeltasStopReasonAndUsageAcrossEveryCut() {
        byte[] body = ("""
                event: message_start
                data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-3-5-sonnet-20241022","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}

                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

                event: ping
                data: {"type": "ping"}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Voil\u00e0"}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" \uD83D\uDE80"}}

                event: content_block_stop
                data: {"type":"content_block_stop","index":0}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":3}}

                event: message_stop
                data: {"type":"message_stop"}

                """).getBytes(StandardCharsets.UTF_8);

        assertThat(Splits.everyCut(body, AnthropicStreamParserTest::parser)).allSatisfy(parse -> {
            assertThat(parse.failure()).as(parse.cut()).isNull();
            assertThat(parse.recorder().texts).as(parse.cut()).containsExactly("Voil\u00e0", " \uD83D\uDE80");
            assertThat(parse.recorder().outcome).as(parse.cut()).isEqualTo(new StreamOutcome("length",
                    "claude-3-5-sonnet-20241022", new AdapterWire.Usage(12, 3)));
        });
    }

    @Test
    void anErrorEventEndsTheStreamWithAnthropicsReason() {
        byte[] body = ("event: content_block_delta\r\n"
                + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\r\n\r\n"
                + "event: error\r\n"
                + "data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);

        assertThat(Splits.everyCut(body, AnthropicStreamParserTest::parser)).allSatisfy(parse -> {
            assertThat(parse.recorder().texts).as(parse.cut()).containsExactly("Hi");
            assertThat(parse.recorder().outcome).isNull();
            assertThat(parse.failure()).as(parse.cut())
                    .hasMessage("sent an error in its stream: overloaded_error: Overloaded");
        });
    }

    @Test
    void aStreamCutOffBeforeMessageStopAndWithoutAStopReasonIsBroken() {
        byte[] body = ("event: content_block_delta\n"
                + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n")
                .getBytes(StandardCharsets.UTF_8);

        assertThat(Splits.parse("whole", AnthropicStreamParserTest::parser, body).failure())
                .hasMessage("ended its stream before the answer was finished");
    }
}
