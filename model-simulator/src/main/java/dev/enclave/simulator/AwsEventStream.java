package dev.enclave.simulator;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * AWS's binary event-stream framing ({@code application/vnd.amazon.eventstream}), as Bedrock's
 * ConverseStream sends it. Each message is: total length (u32 BE), headers length (u32 BE), CRC32
 * of those 8 bytes, the headers, the payload, and a CRC32 of everything before it. A header is its
 * name's length (u8), the name, a type byte (7 = string), the value's length (u16 BE) and the value.
 */
final class AwsEventStream {

    static final String CONTENT_TYPE = "application/vnd.amazon.eventstream";
    private static final byte STRING = 7;

    private AwsEventStream() {
    }

    /** An {@code event} message of type {@code eventType} carrying a JSON payload. */
    static byte[] event(String eventType, byte[] json) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":event-type", eventType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "event");
        return message(headers, json);
    }

    /** An {@code exception} message: the modelled error a stream ends with, e.g. {@code modelStreamErrorException}. */
    static byte[] exception(String exceptionType, byte[] json) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":exception-type", exceptionType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "exception");
        return message(headers, json);
    }

    static byte[] message(Map<String, String> headers, byte[] payload) {
        ByteArrayOutputStream headerBytes = new ByteArrayOutputStream();
        headers.forEach((name, value) -> {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            headerBytes.write(n.length);
            headerBytes.writeBytes(n);
            headerBytes.write(STRING);
            headerBytes.write(v.length >>> 8);
            headerBytes.write(v.length & 0xff);
            headerBytes.writeBytes(v);
        });
        byte[] encodedHeaders = headerBytes.toByteArray();
        int total = 12 + encodedHeaders.length + payload.length + 4;
        ByteBuffer message = ByteBuffer.allocate(total);
        message.putInt(total);
        message.putInt(encodedHeaders.length);
        message.putInt(crc(message.array(), 8));
        message.put(encodedHeaders);
        message.put(payload);
        message.putInt(crc(message.array(), total - 4));
        return message.array();
    }

    private static int crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }
}
