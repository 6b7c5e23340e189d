package dev.enclave.instance.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.instance.domain.PersonalAccessToken;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.security.Actor;
import dev.enclave.instance.security.CurrentUser;
import dev.enclave.instance.security.PersonalAccessTokens;
import dev.enclave.instance.security.RequiredScopes;
import dev.enclave.instance.service.UserAccounts;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;

@Path("/api/v4")
@Produces(MediaType.APPLICATION_JSON)
public class PersonalAccessTokensResource {

    public record CreateToken(String name, List<String> scopes, @JsonProperty("expires_at") String expiresAt) {
    }

    private final CurrentUser currentUser;
    private final PersonalAccessTokens tokens;
    private final UserAccounts accounts;

    public PersonalAccessTokensResource(CurrentUser currentUser, PersonalAccessTokens tokens, UserAccounts accounts) {
        this.currentUser = currentUser;
        this.tokens = tokens;
        this.accounts = accounts;
    }

    /** Admins create tokens for any user (service accounts included); the token is in this answer only. */
    @POST
    @Path("/users/{id}/personal_access_tokens")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(@PathParam("id") long userId, CreateToken body) {
        currentUser.requireAdmin();
        CreateToken request = UsersResource.require(body);
        User owner = accounts.find(userId);
        PersonalAccessTokens.Issued issued = tokens.issueChecked(owner, request.name(), request.scopes(),
                parseDate(request.expiresAt()));
        return Response.status(Response.Status.CREATED)
                .entity(Views.PersonalAccessTokenView.of(issued.token(), true, issued.plaintext())).build();
    }

    /** The token the request came with. */
    @GET
    @Path("/personal_access_tokens/self")
    @RequiredScopes({"api", "read_api", "read_user", "ai_features"})
    public Views.PersonalAccessTokenView self(@Context HttpHeaders headers) {
        PersonalAccessToken token = presented(headers);
        return Views.PersonalAccessTokenView.of(token, tokens.isActive(token), null);
    }

    @DELETE
    @Path("/personal_access_tokens/self")
    @RequiredScopes({"api", "read_api", "read_user", "ai_features"})
    public Response revokeSelf(@Context HttpHeaders headers) {
        PersonalAccessToken token = presented(headers);
        tokens.revoke(currentUser.require(), token.id);
        return Response.noContent().build();
    }

    @DELETE
    @Path("/personal_access_tokens/{id}")
    public Response revoke(@PathParam("id") long id) {
        tokens.revoke(currentUser.require(), id);
        return Response.noContent().build();
    }

    /** The caller's tokens; admins see everyone's (optionally one user's with {@code user_id}). */
    @GET
    @Path("/personal_access_tokens")
    @RequiredScopes({"api", "read_api"})
    public Response list(@QueryParam("user_id") Long userId, @QueryParam("page") String page,
                         @QueryParam("per_page") String perPage, @Context UriInfo uri) {
        User caller = currentUser.require();
        Long owner = caller.admin ? userId : caller.id;
        var query = owner == null ? PersonalAccessToken.<PersonalAccessToken>find("order by id")
                : PersonalAccessToken.<PersonalAccessToken>find("user.id = ?1 order by id", owner);
        return Pagination.of(page, perPage).respond(query,
                t -> Views.PersonalAccessTokenView.of(t, tokens.isActive(t), null), uri);
    }

    private PersonalAccessToken presented(HttpHeaders headers) {
        Actor actor = currentUser.actor();
        if (!Actor.PAT.equals(actor.tokenKind())) {
            throw ApiException.notFound("Personal access token");
        }
        String token = headers.getHeaderString("PRIVATE-TOKEN");
        if (token == null) {
            token = headers.getHeaderString(HttpHeaders.AUTHORIZATION).substring(7).trim();
        }
        return tokens.resolve(token).orElseThrow(ApiException::unauthorized);
    }

    private static LocalDate parseDate(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("expires_at is invalid: use YYYY-MM-DD");
        }
    }
}
