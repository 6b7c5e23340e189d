package dev.enclave.adapter.stream;

import java.util.ArrayList;
import java.util.List;

/** A sink that keeps what a parser reported, and checks that {@code done} comes once and last. */
final class Recorder implements StreamParser.Sink {

    final List<String> texts = new ArrayList<>();
    StreamOutcome outcome;

    @Override
    public void text(String text) {
        if (outcome != null) {
            throw new AssertionError("text after done: " + text);
        }
        if (text.isEmpty()) {
            throw new AssertionError("an empty delta was passed on");
        }
        texts.add(text);
    }

    @Override
    public void done(StreamOutcome done) {
        if (outcome != null) {
            throw new AssertionError("done twice");
        }
        outcome = done;
    }

    String text() {
        return String.join("", texts);
    }
}
