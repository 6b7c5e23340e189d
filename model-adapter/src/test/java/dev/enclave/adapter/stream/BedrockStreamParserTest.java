package dev.enclave.adapter.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.adapter.rest.AdapterWire;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.enclave.adapter.stream.EventStreamFrames.concat;
import static dev.enclave.adapter.stream.EventStreamFrames.event;
import static org.assertj.core.api.Assertions.assertThat;

/** Bedrock ConverseStream's binary event-stream frames, cut in every way the network could, and corrupted. */
class BedrockStreamParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "anthropic.claude-3-haiku-20240307-v1:0";

    private static StreamParser parser(Recorder recorder) {
        return new BedrockStreamParser(JSON, reason -> "end_turn".equals(reason) ? "stop" : reason, MODEL,
                recorder, 4096);
    }

    private static final byte[] START = event("messageStart", "{\"p\":\"abcd\",\"role\":\"assistant\"}");
    private static final byte[] DELTA = event("contentBlockDelta",
            "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Ol\u00e1\"},\"p\":\"abcdefgh\"}");

    @Test
    void deltasStopReasonAndUsageAcrossEveryCut() {
        byte[] body = concat(START, DELTA,
                event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"\"},\"p\":\"ab\"}"),
                event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\" \uD83D\uDC4B\"},\"p\":\"a\"}"),
                event("contentBlockStop", "{\"contentBlockIndex\":0,\"p\":\"abc\"}"),
                event("messageStop", "{\"p\":\"abcd\",\"stopReason\":\"end_turn\"}"),
                event("metadata", "{\"metrics\":{\"latencyMs\":123},\"p\":\"ab\",\"usage\":{\"inputTokens\":9,"
                        + "\"outputTokens\":2,\"totalTokens\":11}}"));

        assertThat(Splits.everyCut(body, BedrockStreamParserTest::parser)).allSatisfy(parse -> {
            assertThat(parse.failure()).as(parse.cut()).isNull();
            assertThat(parse.recorder().texts).as(parse.cut()).containsExactly("Ol\u00e1", " \uD83D\uDC4B");
            assertThat(parse.recorder().outcome).as(parse.cut())
                    .isEqualTo(new StreamOutcome("stop", MODEL, new AdapterWire.Usage(9, 2)));
        });
    }

    @Test
    void aBadPreludeCrcEndsTheStream() {
        byte[] bad = DELTA.clone();
        bad[9] ^= 0x01;

        assertThat(Splits.everyCut(concat(START, bad), BedrockStreamParserTest::parser)).allSatisfy(parse -> {
            assertThat(parse.failure()).as(parse.cut())
                    .hasMessage("sent an event-stream frame whose prelude CRC does not match");
            assertThat(parse.recorder().texts).isEmpty();
        });
    }

    @Test
    void aBadMessageCrcEndsTheStreamBeforeItsTextIsPassedOn() {
        byte[] bad = DELTA.clone();
        // a flipped bit in the payload, which only the message CRC covers
        bad[bad.length - 10] ^= 0x20;

        assertThat(Splits.everyCut(concat(START, bad), BedrockStreamParserTest::parser)).allSatisfy(parse -> {
            assertThat(parse.failure()).as(parse.cut())
                    .hasMessage("sent an event-stream frame whose message CRC does not match");
            assertThat(parse.recorder().texts).isEmpty();
        });
    }

    @Test
    void anExceptionFrameEndsTheStreamWithAwssReason() {
        byte[] body = concat(START, DELTA, EventStreamFrames.exception("throttlingException",
                "{\"message\":\"Too many requests, please wait before trying again.\"}"));

        assertThat(Splits.everyCut(body, BedrockStreamParserTest::parser)).allSatisfy(parse -> {
            assertThat(parse.recorder().texts).as(parse.cut()).containsExactly("Ol\u00e1");
            assertThat(parse.failure()).as(parse.cut()).hasMessage("sent an error in its stream: throttlingException: "
                    + "Too many requests, please wait before trying again.");
        });
    }

    @Test
    void aStreamCutInsideAFrameOrBeforeMessageStopIsBroken() {
        byte[] cut = Arrays.copyOf(concat(START, DELTA), START.length + DELTA.length - 3);
        assertThat(Splits.parse("whole", BedrockStreamParserTest::parser, cut).failure())
                .hasMessage("ended its stream in the middle of an event-stream frame");
        assertThat(Splits.parse("whole", BedrockStreamParserTest::parser, concat(START, DELTA)).failure())
                .hasMessage("ended its stream before the answer was finished");
    }

    @Test
    void aFrameLongerThanTheCapIsRefusedBeforeItIsBuffered() {
        byte[] huge = event("contentBlockDelta", "{\"delta\":{\"text\":\"" + "x".repeat(5000) + "\"}}");

        assertThat(Splits.parse("first bytes", BedrockStreamParserTest::parser, Arrays.copyOf(huge, 12)).failure())
                .hasMessageStartingWith("sent an event-stream frame of impossible length " + huge.length);
    }
}
