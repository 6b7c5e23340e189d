package dev.enclave.support.net;

import org.eclipse.microprofile.config.spi.Converter;

/**
 * Reads one CIDR of a configured list ({@code @WithConverter(CidrConverter.class)}); a bad entry
 * stops start-up with a message naming it.
 */
public class CidrConverter implements Converter<Cidr> {

    @Override
    public Cidr convert(String value) {
        return Cidr.of(value);
    }
}
