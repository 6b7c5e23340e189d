package dev.enclave.token.service;

import dev.enclave.token.rest.OAuthException;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * GitLab's OAuth scopes, space-separated on the wire and in the database, and the rules for the
 * composite-identity scope {@code user:<id>}.
 */
public final class OAuthScopes {

    /** What an application may declare, besides {@link #USER_WILDCARD}. */
    public static final List<String> STATIC = List.of("api", "read_api", "read_user", "read_repository",
            "write_repository", "ai_features", "openid", "profile", "email");

    /** Dynamic scope: an application that declares it may be granted one {@code user:<id>}. */
    public static final String USER_WILDCARD = "user:*";

    private static final String USER_PREFIX = "user:";
    private static final Pattern USER_SCOPE = Pattern.compile("user:[1-9][0-9]{0,18}");

    private OAuthScopes() {
    }

    /** Splits on whitespace, dropping repeats, in the order given. */
    public static Set<String> parse(String scopes) {
        if (scopes == null || scopes.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(scopes.trim().split("\\s+")).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    public static String format(Set<String> scopes) {
        return String.join(" ", scopes);
    }

    /** {@code user:<id>} with an id that fits the instance's user ids (a positive 64-bit integer). */
    public static boolean isUserScope(String scope) {
        return userId(scope).isPresent();
    }

    /** The user id of a {@code user:<id>} scope; empty for any other scope. */
    public static OptionalLong userId(String scope) {
        if (!USER_SCOPE.matcher(scope).matches()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(scope.substring(USER_PREFIX.length())));
        } catch (NumberFormatException e) {
            // Nineteen digits above Long.MAX_VALUE: no user has that id.
            return OptionalLong.empty();
        }
    }

    public static Optional<String> userScope(Set<String> scopes) {
        return scopes.stream().filter(OAuthScopes::isUserScope).findFirst();
    }

    /** What an application may declare at registration. */
    public static Set<String> requireDeclarable(String scopes) {
        Set<String> parsed = parse(scopes);
        if (parsed.isEmpty()) {
            throw OAuthException.invalidScope("scopes must name at least one scope");
        }
        List<String> unknown = parsed.stream()
                .filter(s -> !STATIC.contains(s) && !USER_WILDCARD.equals(s)).toList();
        if (!unknown.isEmpty()) {
            throw OAuthException.invalidScope("Unknown scopes: " + String.join(", ", unknown));
        }
        return parsed;
    }

    /**
     * What a grant may carry: the application's scopes, plus at most one {@code user:<id>} when
     * the application declares {@code user:*}. The wildcard itself is never granted.
     */
    public static Set<String> requireGrantable(String scopes, Set<String> applicationScopes) {
        Set<String> parsed = parse(scopes);
        if (parsed.isEmpty()) {
            throw OAuthException.invalidScope("scopes must name at least one scope");
        }
        Set<String> userScopes = parsed.stream().filter(OAuthScopes::isUserScope)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        if (!userScopes.isEmpty() && !applicationScopes.contains(USER_WILDCARD)) {
            throw OAuthException.invalidScope(String.join(", ", userScopes)
                    + " needs an application that declares " + USER_WILDCARD);
        }
        if (userScopes.size() > 1) {
            throw OAuthException.invalidScope("At most one user:<id> scope, got " + String.join(", ", userScopes));
        }
        List<String> notRegistered = parsed.stream()
                .filter(s -> !isUserScope(s) && (USER_WILDCARD.equals(s) || !applicationScopes.contains(s))).toList();
        if (!notRegistered.isEmpty()) {
            throw OAuthException.invalidScope("Not registered for the application: " + String.join(", ", notRegistered));
        }
        return parsed;
    }

    /**
     * What a composite token minted without a grant may carry: the grant rules, and exactly one
     * {@code user:<id>} (the human the service account acts for), from an application that
     * declares {@code user:*}.
     */
    public static Set<String> requireComposite(String scopes, Set<String> applicationScopes) {
        if (!applicationScopes.contains(USER_WILDCARD)) {
            throw OAuthException.invalidScope("The application does not declare " + USER_WILDCARD
                    + ": it cannot be given a user:<id> scope");
        }
        List<String> userScopes = parse(scopes).stream().filter(OAuthScopes::isUserScope).toList();
        if (userScopes.size() > 1) {
            throw OAuthException.invalidScope("Exactly one user:<id> scope, got " + String.join(", ", userScopes));
        }
        Set<String> granted = requireGrantable(scopes, applicationScopes);
        if (userScopes.isEmpty()) {
            throw OAuthException.invalidScope("Exactly one user:<id> scope, naming the user the service account "
                    + "acts for; got none");
        }
        return granted;
    }

    /** The requested scopes, which must all be in {@code allowed}; all of {@code allowed} when none are requested. */
    public static Set<String> narrow(String requested, Set<String> allowed) {
        Set<String> parsed = parse(requested);
        if (parsed.isEmpty()) {
            return allowed;
        }
        List<String> beyond = parsed.stream().filter(s -> !allowed.contains(s)).toList();
        if (!beyond.isEmpty()) {
            throw OAuthException.invalidScope("Beyond what this client may be granted: " + String.join(", ", beyond));
        }
        return parsed;
    }
}
