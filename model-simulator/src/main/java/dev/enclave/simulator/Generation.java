package dev.enclave.simulator;

import java.util.List;

/**
 * One generated choice.
 *
 * @param pieces           the text as it is streamed, one entry per chunk (never empty; a single
 *                         {@code ""} when a stop sequence matched at the very start)
 * @param completionTokens tokens drawn, including one whose text a stop sequence cut off
 * @param finishReason     {@code "length"} or {@code "stop"}
 * @param stopReason       the stop sequence that ended the text, or {@code null}
 */
record Generation(List<String> pieces, int completionTokens, String finishReason, String stopReason) {

    String text() {
        return String.join("", pieces);
    }
}
