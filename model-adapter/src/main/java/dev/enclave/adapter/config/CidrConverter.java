package dev.enclave.adapter.config;

import dev.enclave.adapter.egress.ModelEndpointAllowlist;
import org.eclipse.microprofile.config.spi.Converter;

/** Reads one CIDR of an egress or ingress list; a bad entry stops start-up with a message naming it. */
public class CidrConverter implements Converter<ModelEndpointAllowlist.Cidr> {

    @Override
    public ModelEndpointAllowlist.Cidr convert(String value) {
        return ModelEndpointAllowlist.Cidr.of(value);
    }
}
