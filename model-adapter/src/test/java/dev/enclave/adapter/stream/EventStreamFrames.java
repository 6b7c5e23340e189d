package dev.enclave.adapter.stream;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/** Builds {@code application/vnd.amazon.eventstream} frames by hand, as AWS's specification lays them out. */
final class EventStreamFrames {

    private EventStreamFrames() {
    }

    static byte[] event(String eventType, String json) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":event-type", eventType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "event");
        return frame(headers, json);
    }

    static byte[] exception(String exceptionType, String json) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":exception-type", exceptionType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "exception");
        return frame(headers, json);
    }

    /** String headers (type 7), plus one of each other type, so that the reader has to skip them. */
    static byte[] frame(Map<String, String> stringHeaders, String json) {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        stringHeaders.forEach((name, value) -> {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            headers.write(n.length);
            headers.writeBytes(n);
            headers.write(7);
            headers.write(v.length >> 8);
            headers.write(v.length & 0xff);
            headers.writeBytes(v);
        });
        byte[] flag = "x-flag".getBytes(StandardCharsets.US_ASCII);
        headers.write(flag.length);
        headers.writeBytes(flag);
        headers.write(0);
        byte[] stamp = "x-when".getBytes(StandardCharsets.US_ASCII);
        headers.write(stamp.length);
        headers.writeBytes(stamp);
        headers.write(8);
        headers.writeBytes(ByteBuffer.allocate(8).putLong(1_700_000_000_000L).array());
        byte[] headerBytes = headers.toByteArray();
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        int total = 12 + headerBytes.length + payload.length + 4;
        ByteBuffer frame = ByteBuffer.allocate(total);
        frame.putInt(total).putInt(headerBytes.length);
        frame.putInt((int) crc(frame.array(), 0, 8));
        frame.put(headerBytes).put(payload);
        frame.putInt((int) crc(frame.array(), 0, total - 4));
        return frame.array();
    }

    static byte[] concat(byte[]... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] frame : frames) {
            out.writeBytes(frame);
        }
        return out.toByteArray();
    }

    private static long crc(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return crc.getValue();
    }
}
