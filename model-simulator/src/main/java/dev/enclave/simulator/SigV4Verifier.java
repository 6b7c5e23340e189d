package dev.enclave.simulator;

import com.sun.net.httpserver.Headers;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks an AWS Signature Version 4 {@code Authorization} header the way AWS does: recomputes the
 * canonical request from what arrived on the wire (method, raw path, query, the signed headers,
 * the body's SHA-256), signs it with the configured secret and compares. Refusals carry AWS's
 * exception names and messages.
 */
final class SigV4Verifier {

    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^,\\s]+),\\s*SignedHeaders=([^,\\s]+),\\s*Signature=([0-9a-f]{64})");
    private static final String SIGNATURE_MISMATCH = "The request signature we calculated does not match the "
            + "signature you provided. Check your AWS Secret Access Key and signing method. Consult the service "
            + "documentation for details.";

    /** An access key pair; {@link #toString()} leaves the secret out. */
    record Key(String accessKeyId, String secretAccessKey) {

        static Key parse(String apiKey) {
            int colon = apiKey.indexOf(':');
            return new Key(apiKey.substring(0, colon), apiKey.substring(colon + 1));
        }

        @Override
        public String toString() {
            return "Key[accessKeyId=" + accessKeyId + "]";
        }
    }

    private SigV4Verifier() {
    }

    /** @return null when the request is signed with {@code key} for {@code service} in {@code region}, else why not */
    static ApiException verify(String method, String rawPath, String rawQuery, Headers headers, String body,
                               Key key, String region, String service, Instant now) {
        String authorization = headers.getFirst("Authorization");
        if (authorization == null) {
            return ApiException.of(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
        }
        Matcher header = AUTHORIZATION.matcher(authorization.strip());
        if (!header.matches()) {
            return incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
                    + "parameters, as AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…");
        }
        String[] scope = header.group(1).split("/", -1);
        if (scope.length != 5) {
            return incomplete("Credential should have five parts: access key/date/region/service/aws4_request.");
        }
        if (!scope[0].equals(key.accessKeyId())) {
            return ApiException.of(403, "UnrecognizedClientException",
                    "The security token included in the request is invalid.");
        }
        String amzDate = headers.getFirst("X-Amz-Date");
        if (amzDate == null) {
            return incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }
        Instant signedAt;
        try {
            signedAt = Instant.from(AMZ_DATE.parse(amzDate));
        } catch (DateTimeParseException e) {
            return incomplete("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
        }
        if (signedAt.isBefore(now.minus(MAX_CLOCK_SKEW))) {
            return invalid("Signature expired: " + amzDate + " is now earlier than "
                    + AMZ_DATE.format(now.minus(MAX_CLOCK_SKEW)) + " (" + AMZ_DATE.format(now) + " - 5 min.)");
        }
        if (signedAt.isAfter(now.plus(MAX_CLOCK_SKEW))) {
            return invalid("Signature not yet current: " + amzDate + " is still later than "
                    + AMZ_DATE.format(now.plus(MAX_CLOCK_SKEW)) + " (" + AMZ_DATE.format(now) + " + 5 min.)");
        }
        if (!scope[1].equals(amzDate.substring(0, 8))) {
            return invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
                    + "HTTP: '" + scope[1] + "' != '" + amzDate.substring(0, 8) + "', from '" + amzDate + "'.");
        }
        if (!scope[2].equals(region)) {
            return invalid("Credential should be scoped to a valid region.");
        }
        if (!scope[3].equals(service)) {
            return invalid("Credential should be scoped to correct service: '" + service + "'.");
        }
        if (!scope[4].equals("aws4_request")) {
            return invalid("Credential should be scoped with a valid terminator: 'aws4_request', not '"
                    + scope[4] + "'.");
        }
        List<String> signedHeaders = List.of(header.group(2).split(";"));
        if (!signedHeaders.contains("host")) {
            return invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        }
        String payloadHash = headers.getFirst("x-amz-content-sha256") != null
                ? headers.getFirst("x-amz-content-sha256") : sha256Hex(body);
        String canonical = canonicalRequest(method, rawPath, rawQuery, signedHeaders, headers, payloadHash);
        String expected = signature(key.secretAccessKey(), scope[1], region, service,
                stringToSign(amzDate, header.group(1).substring(scope[0].length() + 1), canonical));
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                header.group(3).getBytes(StandardCharsets.US_ASCII)) ? null : invalid(SIGNATURE_MISMATCH);
    }

    static String canonicalRequest(String method, String rawPath, String rawQuery, List<String> signedHeaders,
                                   Headers headers, String payloadHash) {
        StringBuilder canonical = new StringBuilder();
        canonical.append(method).append('\n');
        canonical.append(canonicalUri(rawPath)).append('\n');
        canonical.append(canonicalQuery(rawQuery)).append('\n');
        for (String name : signedHeaders) {
            List<String> values = headers.get(name);
            List<String> normalised = new ArrayList<>();
            if (values != null) {
                for (String value : values) {
                    normalised.add(value.strip().replaceAll("\\s+", " "));
                }
            }
            canonical.append(name).append(':').append(String.join(",", normalised)).append('\n');
        }
        canonical.append('\n');
        canonical.append(String.join(";", signedHeaders)).append('\n');
        canonical.append(payloadHash);
        return canonical.toString();
    }

    static String stringToSign(String amzDate, String scope, String canonicalRequest) {
        return ALGORITHM + "\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canonicalRequest);
    }

    static String signature(String secret, String date, String region, String service, String stringToSign) {
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        return HexFormat.of().formatHex(hmac(key, stringToSign));
    }

    /** Every service but S3 encodes each path segment once more on top of the encoding it travelled with. */
    private static String canonicalUri(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        String[] segments = rawPath.split("/", -1);
        List<String> encoded = new ArrayList<>();
        for (String segment : segments) {
            encoded.add(uriEncode(segment));
        }
        return String.join("/", encoded);
    }

    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String name = percentDecode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : percentDecode(pair.substring(equals + 1));
            pairs.add(new String[] {uriEncode(name), uriEncode(value)});
        }
        pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        List<String> joined = new ArrayList<>();
        for (String[] pair : pairs) {
            joined.add(pair[0] + "=" + pair[1]);
        }
        return String.join("&", joined);
    }

    /** RFC 3986 encoding as AWS specifies it: unreserved characters stay, every other byte is %XX. */
    private static String uriEncode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static String percentDecode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
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

    private static ApiException incomplete(String message) {
        return ApiException.of(403, "IncompleteSignatureException", message);
    }

    private static ApiException invalid(String message) {
        return ApiException.of(403, "InvalidSignatureException", message);
    }
}
