package dev.enclave.adapter.stream;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/** Feeds a body to a fresh parser cut in every possible way the network could cut it. */
final class Splits {

    /** A parse of one way of cutting the body: what was reported, or the failure. */
    record Parse(String cut, Recorder recorder, ModelStreamException failure) {
    }

    private Splits() {
    }

    /** The body whole, cut once at every position, and one byte at a time. */
    static List<Parse> everyCut(byte[] body, Function<Recorder, StreamParser> parsers) {
        List<Parse> parses = new ArrayList<>();
        for (int at = 0; at <= body.length; at++) {
            parses.add(parse("cut at " + at, parsers, Arrays.copyOfRange(body, 0, at),
                    Arrays.copyOfRange(body, at, body.length)));
        }
        byte[][] bytes = new byte[body.length][];
        for (int i = 0; i < body.length; i++) {
            bytes[i] = new byte[] {body[i]};
        }
        parses.add(parse("byte by byte", parsers, bytes));
        return parses;
    }

    static Parse parse(String cut, Function<Recorder, StreamParser> parsers, byte[]... pieces) {
        Recorder recorder = new Recorder();
        StreamParser parser = parsers.apply(recorder);
        try {
            for (byte[] piece : pieces) {
                parser.feed(piece);
            }
            parser.end();
            return new Parse(cut, recorder, null);
        } catch (ModelStreamException e) {
            return new Parse(cut, recorder, e);
        }
    }
}
