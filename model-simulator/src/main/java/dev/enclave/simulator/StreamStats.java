package dev.enclave.simulator;

/**
 * Counts of streamed responses since the simulator started (or since the last reset).
 *
 * @param started   streams whose 200 headers were about to be sent
 * @param completed streams that sent their terminating event
 * @param cancelled streams that stopped because the client went away (a write or flush failed), or
 *                  because the simulator was closed while they ran
 * @param dropped   streams cut by a {@code drop_mid_stream} fault
 * @param failed    streams ended by a {@code fail_mid_stream} fault's in-stream error
 * @param inFlight  streams running now; a live gauge that a reset does not zero
 */
public record StreamStats(long started, long completed, long cancelled, long dropped, long failed, long inFlight) {
}
