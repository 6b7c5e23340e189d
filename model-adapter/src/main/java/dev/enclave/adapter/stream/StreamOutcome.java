package dev.enclave.adapter.stream;

import dev.enclave.adapter.rest.AdapterWire;

/**
 * How a streamed answer ended, as the {@code done} event reports it.
 *
 * @param finishReason in OpenAI's words ({@code stop}, {@code length}, …), or null when the provider gave none
 * @param model        the model the provider named, or null
 * @param usage        token counts, or null when the provider gave none
 */
public record StreamOutcome(String finishReason, String model, AdapterWire.Usage usage) {
}
