package dev.enclave.simulator;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** The most recent {@value #CAPACITY} recorded requests, oldest first. */
final class RequestLog {

    static final int CAPACITY = 100;

    private final Deque<RecordedRequest> requests = new ArrayDeque<>(CAPACITY);

    synchronized void add(RecordedRequest request) {
        if (requests.size() == CAPACITY) {
            requests.removeFirst();
        }
        requests.addLast(request);
    }

    synchronized List<RecordedRequest> snapshot() {
        return List.copyOf(requests);
    }

    synchronized void clear() {
        requests.clear();
    }
}
