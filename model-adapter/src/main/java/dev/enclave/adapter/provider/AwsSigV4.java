package dev.enclave.adapter.provider;

import dev.enclave.adapter.egress.ModelEndpoint;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for header-signed requests, as AWS's documentation specifies it (tested
 * against AWS's published test suite): canonical request, string to sign, HMAC-SHA256 key chain
 * over date, region, service and {@code aws4_request}.
 */
public final class AwsSigV4 {

    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** An AWS access key; {@link #toString()} leaves out the secret and the session token. */
    public record Credentials(String accessKeyId, String secretAccessKey, String sessionToken) {

        /**
         * Reads {@code ACCESS_KEY_ID:SECRET_ACCESS_KEY}, or {@code …:SESSION_TOKEN} for temporary
         * credentials. Neither part of a key pair can contain a colon.
         *
         * @throws IllegalArgumentException with a message that never repeats the key
         */
        public static Credentials parse(String apiKey) {
            String[] parts = apiKey == null ? new String[0] : apiKey.split(":", -1);
            if ((parts.length != 2 && parts.length != 3) || parts[0].isBlank() || parts[1].isBlank()
                    || (parts.length == 3 && parts[2].isBlank())) {
                throw new IllegalArgumentException("bedrock models need api_key in the form "
                        + "ACCESS_KEY_ID:SECRET_ACCESS_KEY (or ACCESS_KEY_ID:SECRET_ACCESS_KEY:SESSION_TOKEN)");
            }
            return new Credentials(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
        }

        @Override
        public String toString() {
            return "Credentials[accessKeyId=" + accessKeyId + "]";
        }
    }

    /**
     * A request to sign.
     *
     * @param host     the {@code Host} header exactly as it will be sent
     * @param rawPath  the path exactly as it will be sent (already percent-encoded once)
     * @param rawQuery the query as it will be sent, or null
     * @param headers  other headers to sign (names in any case)
     */
    public record Request(String method, String host, String rawPath, String rawQuery, Map<String, String> headers,
                          byte[] payload) {
    }

    private AwsSigV4() {
    }

    /**
     * @return the headers to add: {@code X-Amz-Date}, {@code X-Amz-Security-Token} for session
     *         credentials, and {@code Authorization}
     */
    public static Map<String, String> sign(Request request, Credentials credentials, String region, String service,
                                           Instant at) {
        String amzDate = AMZ_DATE.format(at);
        String date = amzDate.substring(0, 8);
        TreeMap<String, String> signed = new TreeMap<>();
        request.headers().forEach((name, value) -> signed.put(name.toLowerCase(Locale.ROOT), value));
        signed.put("host", request.host());
        signed.put("x-amz-date", amzDate);
        Map<String, String> added = new LinkedHashMap<>();
        added.put("X-Amz-Date", amzDate);
        if (credentials.sessionToken() != null) {
            signed.put("x-amz-security-token", credentials.sessionToken());
            added.put("X-Amz-Security-Token", credentials.sessionToken());
        }
        String canonical = canonicalRequest(request.method(), request.rawPath(), request.rawQuery(), signed,
                sha256Hex(request.payload()));
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
                + sha256Hex(canonical.getBytes(StandardCharsets.UTF_8));
        byte[] key = hmac(("AWS4" + credentials.secretAccessKey()).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        String signature = HexFormat.of().formatHex(hmac(key, stringToSign));
        added.put("Authorization", ALGORITHM + " Credential=" + credentials.accessKeyId() + "/" + scope
                + ", SignedHeaders=" + String.join(";", signed.keySet()) + ", Signature=" + signature);
        return added;
    }

    /** @param headers lower-case names, sorted */
    static String canonicalRequest(String method, String rawPath, String rawQuery, TreeMap<String, String> headers,
                                   String payloadHash) {
        StringBuilder canonical = new StringBuilder(method).append('\n');
        canonical.append(canonicalUri(rawPath)).append('\n');
        canonical.append(canonicalQuery(rawQuery)).append('\n');
        headers.forEach((name, value) ->
                canonical.append(name).append(':').append(value.strip().replaceAll("\\s+", " ")).append('\n'));
        canonical.append('\n').append(String.join(";", headers.keySet())).append('\n');
        return canonical.append(payloadHash).toString();
    }

    /** Every service but S3 encodes each path segment once more on top of the encoding it travels with. */
    private static String canonicalUri(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        List<String> segments = new ArrayList<>();
        for (String segment : rawPath.split("/", -1)) {
            segments.add(ModelEndpoint.pathSegment(segment));
        }
        return String.join("/", segments);
    }

    /** Parameters sorted by encoded name, then value; each name and value encoded as AWS specifies. */
    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            pairs.add(new String[] {ModelEndpoint.pathSegment(name), ModelEndpoint.pathSegment(value)});
        }
        pairs.sort(Comparator.<String[], String>comparing(pair -> pair[0]).thenComparing(pair -> pair[1]));
        List<String> joined = new ArrayList<>();
        for (String[] pair : pairs) {
            joined.add(pair[0] + "=" + pair[1]);
        }
        return String.join("&", joined);
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
    }
}
