package dev.enclave.adapter.egress;

import java.util.regex.Pattern;

/**
 * A URL as logs and error messages may show it: any user info ({@code user:password@}) is
 * replaced by {@code ***@}. Works on text that is not a valid URL too, so that a malformed endpoint
 * is never repeated with its credentials.
 */
public final class RedactedUrl {

    private static final Pattern USER_INFO = Pattern.compile("(?i)^(\\s*[a-z][a-z0-9+.-]*://)[^/?#]*@");

    private RedactedUrl() {
    }

    public static String of(String url) {
        return url == null ? null : USER_INFO.matcher(url).replaceFirst("$1***@");
    }
}
