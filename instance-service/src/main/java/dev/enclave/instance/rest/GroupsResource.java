package dev.enclave.instance.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.instance.domain.Group;
import dev.enclave.instance.domain.Member;
import dev.enclave.instance.security.Authorizer;
import dev.enclave.instance.security.CurrentUser;
import dev.enclave.instance.security.RequiredScopes;
import dev.enclave.instance.service.Namespaces;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

@Path("/api/v4/groups")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class GroupsResource {

    public record CreateGroup(String name, String path, @JsonProperty("parent_id") Long parentId, String visibility) {
    }

    public record AddMember(@JsonProperty("user_id") Long userId, @JsonProperty("access_level") Integer accessLevel) {
    }

    private final CurrentUser currentUser;
    private final Namespaces namespaces;
    private final Authorizer authorizer;

    public GroupsResource(CurrentUser currentUser, Namespaces namespaces, Authorizer authorizer) {
        this.currentUser = currentUser;
        this.namespaces = namespaces;
        this.authorizer = authorizer;
    }

    @POST
    public Response create(CreateGroup body) {
        CreateGroup request = UsersResource.require(body);
        Group group = namespaces.createGroup(currentUser.actor(), request.name(), request.path(), request.parentId(),
                request.visibility());
        return Response.status(Response.Status.CREATED).entity(Views.GroupView.of(group)).build();
    }

    /** {@code :id} is the numeric id or the URL-encoded full path. */
    @GET
    @Path("/{id}")
    @RequiredScopes({"api", "read_api"})
    public Views.GroupView group(@PathParam("id") String id) {
        Group group = namespaces.group(id);
        authorizer.authorize(currentUser.actor(), Authorizer.GroupAction.READ, group);
        return Views.GroupView.of(group);
    }

    @GET
    @Path("/{id}/members")
    @RequiredScopes({"api", "read_api"})
    public Response members(@PathParam("id") String id, @QueryParam("page") String page,
                            @QueryParam("per_page") String perPage, @Context UriInfo uri) {
        Group group = namespaces.group(id);
        authorizer.authorize(currentUser.actor(), Authorizer.GroupAction.READ, group);
        return Pagination.of(page, perPage).respond(
                Member.ofSource(Member.GROUP, group.id),
                Views.MemberView::of, uri);
    }

    @POST
    @Path("/{id}/members")
    public Response addMember(@PathParam("id") String id, AddMember body) {
        AddMember request = UsersResource.require(body);
        Member member = namespaces.addGroupMember(currentUser.actor(), namespaces.group(id), request.userId(),
                request.accessLevel());
        return Response.status(Response.Status.CREATED).entity(Views.MemberView.of(member)).build();
    }
}
