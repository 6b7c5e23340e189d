package dev.enclave.adapter.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Name resolution for model endpoints, asked once per call; replaceable so tests can play DNS. */
public interface HostResolver {

    /** @return every address the name resolves to, never empty */
    List<InetAddress> resolve(String host) throws UnknownHostException;
}
