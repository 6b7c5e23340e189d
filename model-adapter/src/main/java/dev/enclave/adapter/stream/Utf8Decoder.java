package dev.enclave.adapter.stream;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * UTF-8 decoding of bytes that arrive in arbitrary pieces: a character whose bytes are split
 * across two pieces is kept back until its remaining bytes arrive, instead of becoming two
 * replacement characters as {@code new String(piece, UTF_8)} per piece would make it.
 * Malformed bytes become U+FFFD, as a model's text is shown rather than refused.
 */
final class Utf8Decoder {

    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** The start of a character whose other bytes have not arrived yet (at most 3 bytes). */
    private byte[] remainder = new byte[0];

    String decode(byte[] bytes, int offset, int length) {
        ByteBuffer in;
        if (remainder.length == 0) {
            in = ByteBuffer.wrap(bytes, offset, length);
        } else {
            in = ByteBuffer.allocate(remainder.length + length);
            in.put(remainder).put(bytes, offset, length).flip();
        }
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        CoderResult result = decoder.decode(in, out, false);
        if (result.isOverflow()) {
            // cannot happen: UTF-8 never yields more chars than bytes, plus one for a kept-back character
            throw new IllegalStateException("UTF-8 decoding overflowed");
        }
        remainder = new byte[in.remaining()];
        in.get(remainder);
        out.flip();
        return out.toString();
    }

    /** The end of the bytes: a character left incomplete becomes U+FFFD. */
    String finish() {
        ByteBuffer in = ByteBuffer.wrap(remainder);
        CharBuffer out = CharBuffer.allocate(remainder.length + 2);
        decoder.decode(in, out, true);
        decoder.flush(out);
        remainder = new byte[0];
        decoder.reset();
        out.flip();
        return out.toString();
    }
}
