package dev.enclave.instance.security;

import dev.enclave.instance.domain.PersonalAccessToken;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.lang.reflect.AnnotatedElement;
import java.util.Arrays;

/**
 * The one gate of every endpoint (deny by default): an endpoint answers without a token only when it
 * is annotated {@link Anonymous}; every other one, under {@code /api/v4} or not, resolves the caller from a personal access token
 * ({@code PRIVATE-TOKEN} or {@code Authorization: Bearer}) or an OAuth access token
 * ({@code Authorization: Bearer}), applies composite identity, and checks the endpoint's
 * {@link RequiredScopes}.
 */
public class TokenAuthenticationFilter {

    static final String PRIVATE_TOKEN = "PRIVATE-TOKEN";
    private static final String[] DEFAULT_SCOPES = {"api"};

    private final PersonalAccessTokens personalTokens;
    private final OAuthAccessTokens oauthTokens;
    private final CompositeIdentity compositeIdentity;
    private final CurrentUser currentUser;

    public TokenAuthenticationFilter(PersonalAccessTokens personalTokens, OAuthAccessTokens oauthTokens,
                                     CompositeIdentity compositeIdentity, CurrentUser currentUser) {
        this.personalTokens = personalTokens;
        this.oauthTokens = oauthTokens;
        this.compositeIdentity = compositeIdentity;
        this.currentUser = currentUser;
    }

    @ServerRequestFilter
    public void authenticate(ContainerRequestContext request, ResourceInfo resource) {
        if (isAnonymous(resource)) {
            return;
        }
        Actor actor = resolve(request);
        String[] required = requiredScopes(resource);
        if (Arrays.stream(required).noneMatch(actor.scopes()::contains)) {
            throw ApiException.insufficientScope(String.join(" ", required));
        }
        currentUser.authenticate(actor);
    }

    private Actor resolve(ContainerRequestContext request) {
        String privateToken = request.getHeaderString(PRIVATE_TOKEN);
        if (privateToken != null && !privateToken.isBlank()) {
            return fromPersonalToken(privateToken);
        }
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiException.unauthorized();
        }
        String bearer = authorization.substring(7).trim();
        return OAuthAccessTokens.looksLikeJwt(bearer) ? fromOAuthToken(bearer) : fromPersonalToken(bearer);
    }

    private Actor fromPersonalToken(String token) {
        PersonalAccessToken pat = personalTokens.resolve(token).orElseThrow(ApiException::unauthorized);
        return compositeIdentity.apply(pat.user, pat.scopeSet(), Actor.PAT);
    }

    private Actor fromOAuthToken(String token) {
        OAuthAccessTokens.Verified verified = oauthTokens.verify(token).orElseThrow(ApiException::unauthorized);
        User owner = compositeIdentity.activeUser(verified.ownerId()).orElseThrow(ApiException::unauthorized);
        return compositeIdentity.apply(owner, verified.scopes(), Actor.OAUTH);
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
