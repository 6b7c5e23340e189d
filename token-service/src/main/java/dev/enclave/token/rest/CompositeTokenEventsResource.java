package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.token.domain.CompositeTokenEvent;
import dev.enclave.token.service.CompositeTokenFeed;
import dev.enclave.token.service.InternalClientAuthenticator;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/**
 * Internal API: the composite-identity access tokens created here, oldest first, which the
 * instance polls to write {@code composite_oauth_token_created} audit events. Ids are gapless and
 * become visible in order, so polling with {@code after} = the last id seen misses nothing.
 */
@Path("/internal/v1/composite-token-events")
@Produces(MediaType.APPLICATION_JSON)
public class CompositeTokenEventsResource {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    /**
     * @param createdAt       ISO-8601 UTC
     * @param resourceOwnerId the token's owner: the service account
     * @param userId          the human of the token's {@code user:<id>} scope
     * @param applicationId   the application's {@code client_id}
     * @param origin          {@code exchange}, {@code direct} or {@code refresh}
     */
    public record Event(long id, @JsonProperty("created_at") String createdAt,
                        @JsonProperty("resource_owner_id") long resourceOwnerId, @JsonProperty("user_id") long userId,
                        @JsonProperty("application_id") String applicationId, String scope, String origin, String jti) {

        static Event of(CompositeTokenEvent event) {
            return new Event(event.id, event.createdAt.toString(), event.resourceOwnerId, event.userId,
                    event.applicationUid, event.scopes, event.origin, event.jti);
        }
    }

    public record EventsResponse(List<Event> events) {
    }

    private final InternalClientAuthenticator clients;
    private final CompositeTokenFeed feed;

    public CompositeTokenEventsResource(InternalClientAuthenticator clients, CompositeTokenFeed feed) {
        this.clients = clients;
        this.feed = feed;
    }

    /**
     * @param after the last id the caller has; absent: from the oldest event kept
     * @param limit at most this many (default 100, at most 1000); a full page means: ask again
     */
    @GET
    public EventsResponse list(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                               @QueryParam("after") String after, @QueryParam("limit") String limit) {
        clients.authenticate(authorization);
        long afterId = parse(after, "after", 0, 0, Long.MAX_VALUE);
        int max = (int) parse(limit, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        return new EventsResponse(feed.after(afterId, max).stream().map(Event::of).toList());
    }

    private static long parse(String value, String name, long absent, long min, long max) {
        if (value == null || value.isBlank()) {
            return absent;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below, like an out-of-range value
        }
        throw OAuthException.invalidRequest(name + " must be an integer from " + min + " to " + max);
    }
}
