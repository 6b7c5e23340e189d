package dev.enclave.simulator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * An independent decoder of AWS's {@code application/vnd.amazon.eventstream} framing, written from
 * the format's description (not from the simulator's encoder) so that tests check the wire bytes.
 */
final class EventStreamDecoder {

    record Message(Map<String, String> headers, byte[] payload) {

        String header(String name) {
            return headers.get(name);
        }

        String payloadText() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private EventStreamDecoder() {
    }

    /**
     * Decodes every complete message; a truncated message at the end is ignored (a stream cut
     * mid-way), but a bad CRC anywhere fails.
     */
    static List<Message> decode(byte[] bytes) {
        List<Message> messages = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        while (in.remaining() >= 12) {
            int start = in.position();
            int total = in.getInt();
            int headersLength = in.getInt();
            int preludeCrc = in.getInt();
            if (crc(bytes, start, 8) != preludeCrc) {
                throw new IllegalStateException("prelude CRC mismatch at offset " + start);
            }
            if (total < 16 || headersLength > total - 16) {
                throw new IllegalStateException("bad lengths at offset " + start);
            }
            if (bytes.length - start < total) {
                break;
            }
            int messageCrc = ByteBuffer.wrap(bytes, start + total - 4, 4).getInt();
            if (crc(bytes, start, total - 4) != messageCrc) {
                throw new IllegalStateException("message CRC mismatch at offset " + start);
            }
            Map<String, String> headers = new LinkedHashMap<>();
            int headersEnd = in.position() + headersLength;
            while (in.position() < headersEnd) {
                byte[] name = new byte[in.get() & 0xff];
                in.get(name);
                byte type = in.get();
                if (type != 7) {
                    throw new IllegalStateException("unexpected header type " + type);
                }
                byte[] value = new byte[in.getShort() & 0xffff];
                in.get(value);
                headers.put(new String(name, StandardCharsets.UTF_8), new String(value, StandardCharsets.UTF_8));
            }
            byte[] payload = new byte[total - 16 - headersLength];
            in.get(payload);
            in.getInt();
            messages.add(new Message(headers, payload));
        }
        return messages;
    }

    private static int crc(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }
}
