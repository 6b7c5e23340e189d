package dev.enclave.instance.security;

import dev.enclave.instance.domain.PersonalAccessToken;
import dev.enclave.instance.rest.ApiException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.lang.reflect.AnnotatedElement;
import java.util.Arrays;
import java.util.Set;

/**
 * The one gate of {@code /api/v4}: resolves the personal access token ({@code PRIVATE-TOKEN} or
 * {@code Authorization: Bearer}) and checks the endpoint's {@link RequiredScopes}.
 */
public class TokenAuthenticationFilter {

    static final String PRIVATE_TOKEN = "PRIVATE-TOKEN";
    private static final String[] DEFAULT_SCOPES = {"api"};

    private final PersonalAccessTokens tokens;
    private final CurrentUser currentUser;

    public TokenAuthenticationFilter(PersonalAccessTokens tokens, CurrentUser currentUser) {
        this.tokens = tokens;
        this.currentUser = currentUser;
    }

    @ServerRequestFilter
    public void authenticate(ContainerRequestContext request, ResourceInfo resource) {
        if (!request.getUriInfo().getPath().startsWith("/api/v4/") || isAnonymous(resource)) {
            return;
        }
        PersonalAccessToken token = tokens.resolve(presentedToken(request)).orElseThrow(ApiException::unauthorized);
        String[] required = requiredScopes(resource);
        Set<String> granted = token.scopeSet();
        if (Arrays.stream(required).noneMatch(granted::contains)) {
            throw ApiException.insufficientScope(String.join(" ", required));
        }
        currentUser.authenticate(token.user, granted);
    }

    private static String presentedToken(ContainerRequestContext request) {
        String privateToken = request.getHeaderString(PRIVATE_TOKEN);
        if (privateToken != null && !privateToken.isBlank()) {
            return privateToken;
        }
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7);
        }
        return null;
    }

    private static boolean isAnonymous(ResourceInfo resource) {
        return annotation(resource.getResourceMethod(), Anonymous.class) != null
                || annotation(resource.getResourceClass(), Anonymous.class) != null;
    }

    private static String[] requiredScopes(ResourceInfo resource) {
        RequiredScopes scopes = annotation(resource.getResourceMethod(), RequiredScopes.class);
        if (scopes == null) {
            scopes = annotation(resource.getResourceClass(), RequiredScopes.class);
        }
        return scopes == null ? DEFAULT_SCOPES : scopes.value();
    }

    private static <A extends java.lang.annotation.Annotation> A annotation(AnnotatedElement element, Class<A> type) {
        return element == null ? null : element.getAnnotation(type);
    }
}
