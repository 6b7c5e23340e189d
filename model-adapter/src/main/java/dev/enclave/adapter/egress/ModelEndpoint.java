package dev.enclave.adapter.egress;

import dev.enclave.support.net.IpLiteral;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A model endpoint URL, parsed strictly enough that the address checked is the address connected
 * to. The host is either a DNS name (resolved later, once, by {@link EgressGuard}) or a canonical
 * IP literal; the numeric forms that resolvers and curl read as IPv4 ({@code 2130706433},
 * {@code 0x7f.1}, {@code 0177.0.0.1}, {@code 127.1}) are refused, as are user info and
 * percent-encoded hosts.
 *
 * @param host     lower-case host name, or the literal's text without brackets
 * @param literal  the address when the host is an IP literal, else null
 * @param basePath the URL's raw path without a trailing slash ({@code ""} for none)
 */
public record ModelEndpoint(String scheme, String host, int port, InetAddress literal, String basePath) {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");

    /** @throws IllegalArgumentException saying what is wrong; the message never repeats user info */
    public static ModelEndpoint parse(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("model endpoint '" + RedactedUrl.of(url) + "' is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("model endpoint '" + RedactedUrl.of(url) + "' is not an http(s) URL");
        }
        String authority = uri.getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            throw new IllegalArgumentException("model endpoint '" + RedactedUrl.of(url) + "' has no host");
        }
        if (authority.contains("@")) {
            // the URL carries credentials: do not repeat it anywhere
            throw new IllegalArgumentException(
                    "model endpoint must not contain user info; put the credentials in api_key");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("model endpoint '" + RedactedUrl.of(url) + "' must not have a query or fragment");
        }
        String hostText;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("model endpoint '" + RedactedUrl.of(url) + "' has an unclosed IPv6 literal");
            }
            hostText = authority.substring(1, close);
            String rest = authority.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("model endpoint '" + RedactedUrl.of(url) + "' has junk after its IPv6 literal");
                }
                portText = rest.substring(1);
            }
        } else {
            int colon = authority.lastIndexOf(':');
            hostText = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
        }
        boolean tls = "https".equals(scheme);
        int port = port(portText, tls, url);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;

        boolean bracketed = authority.startsWith("[");
        Optional<InetAddress> literal;
        try {
            // WHATWG URL parsers, curl and inet_aton read any host ending in a number as IPv4
            literal = IpLiteral.ofUrlHost(bracketed ? "[" + hostText + "]" : hostText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model endpoint " + e.getMessage());
        }
        String host = hostText.toLowerCase(Locale.ROOT);
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (literal.isPresent()) {
            return new ModelEndpoint(scheme, bracketed ? host : name, port, literal.get(), basePath);
        }
        String[] labels = name.split("\\.", -1);
        if (name.isEmpty() || name.length() > 253) {
            throw new IllegalArgumentException("model endpoint host '" + hostText + "' is not a valid host name");
        }
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("model endpoint host '" + hostText + "' is not a valid host name"
                        + " (ASCII letters, digits, '-' and '_'; write international names in their xn-- form)");
            }
        }
        return new ModelEndpoint(scheme, host, port, null, basePath);
    }

    public boolean tls() {
        return "https".equals(scheme);
    }

    /** The {@code Host} header: the host as the URL named it, with the port unless it is the scheme's default. */
    public String authority() {
        String shown = literal != null && host.contains(":") ? "[" + host + "]" : host;
        return port == (tls() ? 443 : 80) ? shown : shown + ":" + port;
    }

    /** The URL of an absolute path on this endpoint's server, for messages and logs (it carries no credentials). */
    public String url(String pathAndQuery) {
        return scheme + "://" + authority() + pathAndQuery;
    }

    /**
     * The base path with a provider's API version segment exactly once, for endpoints given with or
     * without it ({@code http://host:8000} and {@code http://host:8000/v1} alike).
     */
    public String basePathEndingWith(String segment) {
        return basePath.endsWith(segment) ? basePath : basePath + segment;
    }

    /** The base path without a trailing API version segment, for providers whose paths add it themselves. */
    public String basePathWithout(String segment) {
        return basePath.endsWith(segment) ? basePath.substring(0, basePath.length() - segment.length()) : basePath;
    }

    /**
     * RFC 3986 percent-encoding of one path segment: unreserved characters stay, every other UTF-8
     * byte becomes {@code %XX} (so a Bedrock model id's {@code :} travels as {@code %3A}).
     */
    public static String pathSegment(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }

    private static int port(String text, boolean tls, String url) {
        if (text == null || text.isEmpty()) {
            return tls ? 443 : 80;
        }
        if (!text.matches("\\d{1,5}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 65535) {
            throw new IllegalArgumentException("model endpoint '" + RedactedUrl.of(url) + "' has an invalid port '" + text + "'");
        }
        return Integer.parseInt(text);
    }
}
