package dev.enclave.adapter;

import dev.enclave.adapter.egress.HostResolver;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * "DNS" for the tests: scripted answers per host name, one per lookup (the last repeats), and a
 * count of lookups. Names without a script go to the JVM's resolver.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class ScriptedHostResolver implements HostResolver {

    private static final Map<String, Deque<List<InetAddress>>> ANSWERS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> LOOKUPS = new ConcurrentHashMap<>();

    /**
     * Each argument is one lookup's answer, e.g. {@code "127.0.0.1"} or {@code "127.0.0.1,203.0.113.9"};
     * no argument at all makes the name unknown.
     */
    static void script(String host, String... answers) {
        Deque<List<InetAddress>> queue = new ArrayDeque<>();
        for (String answer : answers) {
            List<InetAddress> addresses = new ArrayList<>();
            for (String address : answer.split(",")) {
                try {
                    addresses.add(InetAddress.getByName(address.strip()));
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException("scripted answers are IP literals: " + address, e);
                }
            }
            queue.add(addresses);
        }
        ANSWERS.put(host, queue);
        LOOKUPS.put(host, new AtomicInteger());
    }

    static int lookups(String host) {
        AtomicInteger count = LOOKUPS.get(host);
        return count == null ? 0 : count.get();
    }

    static void clear() {
        ANSWERS.clear();
        LOOKUPS.clear();
    }

    @Override
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        Deque<List<InetAddress>> queue = ANSWERS.get(host);
        if (queue == null) {
            return List.of(InetAddress.getAllByName(host));
        }
        LOOKUPS.get(host).incrementAndGet();
        if (queue.isEmpty()) {
            throw new UnknownHostException(host);
        }
        synchronized (queue) {
            return queue.size() > 1 ? queue.poll() : queue.peek();
        }
    }
}
