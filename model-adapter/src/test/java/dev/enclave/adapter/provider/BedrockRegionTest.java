package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.adapter.config.AdapterConfig;
import dev.enclave.adapter.rest.AdapterWire;
import dev.enclave.support.net.Cidr;
import io.quarkus.runtime.configuration.MemorySize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BedrockRegionTest {

    private static BedrockProvider provider(Optional<String> region) {
        AdapterConfig config = new AdapterConfig() {
            public Duration connectTimeout() {
                return Duration.ofSeconds(3);
            }

            public Duration readTimeout() {
                return Duration.ofSeconds(55);
            }

            public MemorySize maxAnswerBytes() {
                return new MemorySize(BigInteger.valueOf(4 << 20));
            }

            public Egress egress() {
                return () -> Optional.<List<Cidr>>empty();
            }

            public Ingress ingress() {
                return () -> Optional.<List<Cidr>>empty();
            }

            public String tokenServiceUrl() {
                return "http://127.0.0.1:8081";
            }

            public Duration revocationPollInterval() {
                return Duration.ofSeconds(5);
            }

            public VerifierClient verifierClient() {
                return new VerifierClient() {
                    public String id() {
                        return "model-adapter";
                    }

                    public Optional<String> secret() {
                        return Optional.empty();
                    }
                };
            }

            public Bedrock bedrock() {
                return () -> region;
            }

            public Vertex vertex() {
                return () -> Duration.ofMinutes(5);
            }

            public Optional<String> tlsConfigurationName() {
                return Optional.empty();
            }

            public Duration timeoutMargin() {
                return Duration.ofMillis(100);
            }

            public double timeoutMarginRatio() {
                return 0.1;
            }

            public Duration timeoutMarginMax() {
                return Duration.ofSeconds(2);
            }

            public List<String> allowedClients() {
                return List.of("ai-gateway");
            }

            public Duration revocationMaxStaleness() {
                return Duration.ofSeconds(60);
            }

            public ModelServer modelServer() {
                throw new UnsupportedOperationException("BedrockProvider does not read the fault-tolerance policy");
            }

            public Keys keys() {
                throw new UnsupportedOperationException("BedrockProvider does not fetch keys");
            }
        };
        return new BedrockProvider(new ObjectMapper(), config);
    }

    @ParameterizedTest
    @CsvSource({
            "bedrock-runtime.eu-central-1.amazonaws.com, eu-central-1",
            "bedrock-runtime-fips.us-gov-west-1.amazonaws.com, us-gov-west-1",
            "bedrock-runtime.cn-north-1.amazonaws.com.cn, cn-north-1",
            "vpce-0a1b2c3d4e5f-abcdefgh.bedrock-runtime.ap-southeast-2.vpce.amazonaws.com, ap-southeast-2",
            "bedrock.internal.example, us-east-1"})
    void theRegionComesFromTheHostElseFromConfiguration(String host, String region) {
        assertThat(provider(Optional.of("us-east-1")).region(host)).isEqualTo(region);
    }

    @Test
    void withoutEitherTheCallIsRefused() {
        assertThatThrownBy(() -> provider(Optional.empty()).region("10.0.0.5"))
                .hasMessage("cannot tell the AWS region from the model endpoint host 10.0.0.5; "
                        + "set enclave.adapter.bedrock.region");
    }

    @Test
    void anEmptyEndpointMeansAwssPublicEndpointForTheConfiguredRegion() {
        AdapterWire.ModelTarget target = new AdapterWire.ModelTarget("bedrock", null, "m", "AKID:secret");

        assertThat(provider(Optional.of("eu-west-3")).endpoint(target).url("/model/m/converse"))
                .isEqualTo("https://bedrock-runtime.eu-west-3.amazonaws.com/model/m/converse");
        assertThatThrownBy(() -> provider(Optional.empty()).endpoint(target))
                .hasMessageStartingWith("model.endpoint is empty and enclave.adapter.bedrock.region is not set");
    }
}
