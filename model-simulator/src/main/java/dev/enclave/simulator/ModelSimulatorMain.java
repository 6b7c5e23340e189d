package dev.enclave.simulator;

import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Command-line entry point of the runnable jar. Flags win over environment variables. */
public final class ModelSimulatorMain {

    static final String USAGE = String.join("\n",
            "Usage: java -jar model-simulator-runner.jar [options]",
            "",
            "Stands in for a model server (vLLM's OpenAI-compatible API by default, or Mistral's, Anthropic's,",
            "Azure OpenAI's or Bedrock's) in local runs and tests. Never deploy it.",
            "",
            "Options (environment variable, default):",
            "  --host HOST            address to bind (SIM_HOST, " + SimulatorConfig.DEFAULT_HOST + ")",
            "  --port PORT            port to bind, 0 = any free port (SIM_PORT, " + SimulatorConfig.DEFAULT_PORT + ")",
            "  --personality NAME     vllm, mistral, anthropic, azure_openai, bedrock or vertex_ai (SIM_PERSONALITY, vllm)",
            "  --api-key KEY          key every API request must carry, in the provider's own header;",
            "                         bedrock: ACCESS_KEY_ID:SECRET_ACCESS_KEY for SigV4; vertex_ai: the service",
            "                         account's JSON key file text (SIM_API_KEY, none = no auth)",
            "  --models IDS           comma-separated served model ids (SIM_MODELS, "
                    + String.join(",", SimulatorConfig.DEFAULT_MODELS) + ")",
            "  --latency-ms MS        delay before every completion response (SIM_LATENCY_MS, 0)",
            "  --token-delay-ms MS    delay between streamed tokens (SIM_TOKEN_DELAY_MS, 0)",
            "  --aws-region REGION    region bedrock signatures must be scoped to (SIM_AWS_REGION, "
                    + SimulatorConfig.DEFAULT_AWS_REGION + ")",
            "  -h, --help             print this help",
            "",
            "Flags also accept the --flag=value form.");

    private static final List<String> FLAGS =
            List.of("--host", "--port", "--personality", "--api-key", "--models", "--latency-ms", "--token-delay-ms",
                    "--aws-region");

    private ModelSimulatorMain() {
    }

    public static void main(String[] args) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.println(USAGE);
            return;
        }
        SimulatorConfig config;
        try {
            config = parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("model-simulator: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        ModelSimulator simulator;
        try {
            simulator = ModelSimulator.start(config);
        } catch (UncheckedIOException e) {
            System.err.println(e.getMessage() + ": " + e.getCause().getMessage());
            System.exit(1);
            return;
        }
        // HttpServer's dispatcher thread keeps the JVM alive; SIGTERM and Ctrl-C run this hook.
        Runtime.getRuntime().addShutdownHook(new Thread(simulator::close, "model-simulator-shutdown"));
        System.out.println(startupLine(simulator));
    }

    /**
     * Builds the configuration from flags, falling back to environment variables.
     *
     * @throws IllegalArgumentException on an unknown flag, a missing or malformed value
     */
    static SimulatorConfig parse(String[] args, Map<String, String> env) {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name;
            String value;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                name = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            } else {
                name = arg;
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(knownFlag(name) + " needs a value");
                }
                value = args[++i];
            }
            flags.put(knownFlag(name), value);
        }

        SimulatorConfig.Builder builder = SimulatorConfig.builder();
        String host = setting(flags, env, "--host", "SIM_HOST");
        if (host != null) {
            builder.host(host);
        }
        String port = setting(flags, env, "--port", "SIM_PORT");
        if (port != null) {
            long portNumber = number(port, "--port / SIM_PORT");
            if (portNumber < 0 || portNumber > 65535) {
                throw new IllegalArgumentException("--port / SIM_PORT must be between 0 and 65535, got " + port);
            }
            builder.port((int) portNumber);
        }
        String personality = setting(flags, env, "--personality", "SIM_PERSONALITY");
        if (personality != null) {
            builder.personality(Personality.fromWireName(personality));
        }
        String awsRegion = setting(flags, env, "--aws-region", "SIM_AWS_REGION");
        if (awsRegion != null) {
            builder.awsRegion(awsRegion);
        }
        builder.apiKey(setting(flags, env, "--api-key", "SIM_API_KEY"));
        String models = setting(flags, env, "--models", "SIM_MODELS");
        if (models != null) {
            builder.models(Arrays.stream(models.split(",")).map(String::strip).toList());
        }
        String latency = setting(flags, env, "--latency-ms", "SIM_LATENCY_MS");
        if (latency != null) {
            builder.latencyMs(number(latency, "--latency-ms / SIM_LATENCY_MS"));
        }
        String tokenDelay = setting(flags, env, "--token-delay-ms", "SIM_TOKEN_DELAY_MS");
        if (tokenDelay != null) {
            builder.tokenDelayMs(number(tokenDelay, "--token-delay-ms / SIM_TOKEN_DELAY_MS"));
        }
        return builder.build();
    }

    /** The one line printed on start; it says whether a key is required but never shows it. */
    static String startupLine(ModelSimulator simulator) {
        SimulatorConfig config = simulator.config();
        String personality = config.personality() == Personality.VLLM ? "" : config.personality().wireName() + ", ";
        return "model-simulator listening on " + simulator.baseUrl()
                + " (" + personality + "models: " + String.join(",", config.models())
                + ", api key required: " + (config.apiKeyRequired() ? "yes" : "no") + ")";
    }

    private static String knownFlag(String name) {
        if (!FLAGS.contains(name)) {
            throw new IllegalArgumentException("unknown option " + name);
        }
        return name;
    }

    private static String setting(Map<String, String> flags, Map<String, String> env, String flag, String variable) {
        String value = flags.containsKey(flag) ? flags.get(flag) : env.get(variable);
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static long number(String value, String name) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'");
        }
    }
}
