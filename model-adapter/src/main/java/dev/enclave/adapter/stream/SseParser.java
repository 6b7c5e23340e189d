package dev.enclave.adapter.stream;

/**
 * Server-sent events (the WHATWG {@code text/event-stream} format), read incrementally: lines end
 * in LF, CRLF or CR (a CRLF split between two pieces counts once), {@code data:} lines of one
 * event are joined with LF, {@code event:} names it, lines starting with {@code :} are comments
 * (keep-alives), and an empty line dispatches the event. Bytes are decoded as UTF-8 with
 * characters split across pieces kept whole.
 */
public abstract class SseParser extends StreamParser {

    private final Utf8Decoder decoder = new Utf8Decoder();
    private final int maxLineChars;
    private final StringBuilder line = new StringBuilder();
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String eventName;
    /** The last piece ended in CR: an LF at the start of the next one belongs to it. */
    private boolean afterCr;

    /** @param maxLineChars longest line (and event) accepted; a longer one ends the stream instead of filling memory */
    protected SseParser(Sink sink, int maxLineChars) {
        super(sink);
        this.maxLineChars = maxLineChars;
    }

    /**
     * One complete event.
     *
     * @param event the {@code event:} name, or null
     * @param data  the {@code data:} lines joined with LF
     */
    protected abstract void event(String event, String data) throws ModelStreamException;

    /**
     * An event's data as a JSON object, or the stream's end with "sent a {@code what} that is not
     * JSON" / "… not a JSON object".
     */
    protected static com.fasterxml.jackson.databind.JsonNode jsonObject(com.fasterxml.jackson.databind.ObjectMapper json,
                                                                        String data, String what)
            throws ModelStreamException {
        com.fasterxml.jackson.databind.JsonNode node;
        try {
            node = json.readTree(data);
        } catch (java.io.IOException e) {
            throw new ModelStreamException("sent a " + what + " that is not JSON");
        }
        if (node == null || !node.isObject()) {
            throw new ModelStreamException("sent a " + what + " that is not a JSON object");
        }
        return node;
    }

    @Override
    protected final void read(byte[] bytes, int offset, int length) throws ModelStreamException {
        characters(decoder.decode(bytes, offset, length));
    }

    @Override
    protected final void endOfBody() throws ModelStreamException {
        characters(decoder.finish());
        if (!line.isEmpty()) {
            line(line.toString());
            line.setLength(0);
        }
        // some servers end the body without the blank line after their last event
        dispatch();
    }

    private void characters(String text) throws ModelStreamException {
        for (int i = 0; i < text.length() && !finished(); i++) {
            char c = text.charAt(i);
            if (afterCr) {
                afterCr = false;
                if (c == '\n') {
                    continue;
                }
            }
            if (c == '\n' || c == '\r') {
                afterCr = c == '\r';
                String complete = line.toString();
                line.setLength(0);
                line(complete);
            } else {
                if (line.length() >= maxLineChars) {
                    throw new ModelStreamException("sent a stream line longer than " + maxLineChars + " characters");
                }
                line.append(c);
            }
        }
    }

    private void line(String text) throws ModelStreamException {
        if (text.isEmpty()) {
            dispatch();
            return;
        }
        if (text.charAt(0) == ':') {
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                if (data.length() + value.length() > maxLineChars) {
                    throw new ModelStreamException("sent a stream event longer than " + maxLineChars + " characters");
                }
                data.append(value);
                hasData = true;
            }
            case "event" -> eventName = value;
            default -> {
                // id, retry and unknown fields say nothing about the answer
            }
        }
    }

    private void dispatch() throws ModelStreamException {
        if (hasData) {
            String name = eventName;
            String payload = data.toString();
            data.setLength(0);
            hasData = false;
            eventName = null;
            event(name, payload);
        } else {
            eventName = null;
        }
    }
}
