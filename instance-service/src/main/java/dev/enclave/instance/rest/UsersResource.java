package dev.enclave.instance.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.security.CurrentUser;
import dev.enclave.instance.security.RequiredScopes;
import dev.enclave.instance.service.UserAccounts;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/**
 * {@code /user}, {@code /users} and {@code /service_accounts}. With a composite-identity token,
 * {@code GET /user} answers with the service account (the token's owner), as GitLab's
 * {@code current_user} is; the human it acts for is not the caller.
 */
@Path("/api/v4")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class UsersResource {

    public record CreateUser(String username, String name, String email, Boolean admin) {
    }

    public record CreateServiceAccount(String username, String name, String email,
                                       @JsonProperty("composite_identity_enforced") Boolean compositeIdentityEnforced) {
    }

    public record UpdateUser(@JsonProperty("composite_identity_enforced") Boolean compositeIdentityEnforced) {
    }

    private final CurrentUser currentUser;
    private final UserAccounts accounts;

    public UsersResource(CurrentUser currentUser, UserAccounts accounts) {
        this.currentUser = currentUser;
        this.accounts = accounts;
    }

    @GET
    @Path("/user")
    @RequiredScopes({"api", "read_api", "read_user", "ai_features"})
    public Views.UserView current() {
        return Views.UserView.full(currentUser.require());
    }

    @GET
    @Path("/users/{id}")
    @RequiredScopes({"api", "read_api", "read_user"})
    public Views.UserView user(@PathParam("id") long id) {
        User user = accounts.find(id);
        return currentUser.actor().user().admin || user.id.equals(currentUser.require().id)
                ? Views.UserView.full(user) : Views.UserView.basic(user);
    }

    @GET
    @Path("/users")
    @RequiredScopes({"api", "read_api", "read_user"})
    public Response users(@QueryParam("page") String page, @QueryParam("per_page") String perPage,
                          @QueryParam("username") String username, @Context UriInfo uri) {
        boolean admin = currentUser.require().admin;
        var query = username == null ? User.<User>find("order by id") : User.<User>find("username = ?1 order by id",
                username);
        return Pagination.of(page, perPage).respond(query, admin ? Views.UserView::full : Views.UserView::basic, uri);
    }

    @POST
    @Path("/users")
    public Response create(CreateUser body) {
        currentUser.requireAdmin();
        CreateUser request = require(body);
        User user = accounts.createUser(currentUser.actor(), request.username(), request.name(), request.email(),
                Boolean.TRUE.equals(request.admin()));
        return Response.status(Response.Status.CREATED).entity(Views.UserView.full(user)).build();
    }

    @PUT
    @Path("/users/{id}")
    public Views.UserView update(@PathParam("id") long id, UpdateUser body) {
        currentUser.requireAdmin();
        UpdateUser request = require(body);
        User user = request.compositeIdentityEnforced() == null ? accounts.find(id)
                : accounts.setCompositeIdentityEnforced(currentUser.actor(), id, request.compositeIdentityEnforced());
        return Views.UserView.full(user);
    }

    @POST
    @Path("/users/{id}/block")
    public Response block(@PathParam("id") long id) {
        currentUser.requireAdmin();
        accounts.setState(currentUser.actor(), id, User.BLOCKED);
        return Response.status(Response.Status.CREATED).entity(true).build();
    }

    @POST
    @Path("/users/{id}/unblock")
    public Response unblock(@PathParam("id") long id) {
        currentUser.requireAdmin();
        accounts.setState(currentUser.actor(), id, User.ACTIVE);
        return Response.status(Response.Status.CREATED).entity(true).build();
    }

    /** Instance service accounts (admin; Premium or Ultimate). */
    @POST
    @Path("/service_accounts")
    public Response createServiceAccount(CreateServiceAccount body) {
        currentUser.requireAdmin();
        CreateServiceAccount request = body == null ? new CreateServiceAccount(null, null, null, null) : body;
        User account = accounts.createServiceAccount(currentUser.actor(), request.username(), request.name(),
                request.email(), Boolean.TRUE.equals(request.compositeIdentityEnforced()));
        return Response.status(Response.Status.CREATED).entity(Views.UserView.full(account)).build();
    }

    @GET
    @Path("/service_accounts")
    public Response serviceAccounts(@QueryParam("page") String page, @QueryParam("per_page") String perPage,
                                    @Context UriInfo uri) {
        currentUser.requireAdmin();
        return Pagination.of(page, perPage).respond(User.<User>find("bot = true order by id"), Views.UserView::full,
                uri);
    }

    static <T> T require(T body) {
        if (body == null) {
            throw ApiException.badRequest("A JSON body is required");
        }
        return body;
    }
}
