package dev.enclave.instance.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.instance.domain.Issue;
import dev.enclave.instance.domain.Member;
import dev.enclave.instance.domain.Project;
import dev.enclave.instance.security.Authorizer;
import dev.enclave.instance.security.CurrentUser;
import dev.enclave.instance.security.RequiredScopes;
import dev.enclave.instance.service.IssueTracker;
import dev.enclave.instance.service.Namespaces;
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

@Path("/api/v4/projects")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ProjectsResource {

    public record CreateProject(String name, String path, @JsonProperty("namespace_id") Long namespaceId,
                                String visibility, String description) {
    }

    public record UpdateProject(String name, String description) {
    }

    public record CreateIssue(String title, String description) {
    }

    public record CreateNote(String body) {
    }

    public record CreateLabel(String name, String color) {
    }

    private final CurrentUser currentUser;
    private final Namespaces namespaces;
    private final IssueTracker issues;
    private final Authorizer authorizer;

    public ProjectsResource(CurrentUser currentUser, Namespaces namespaces, IssueTracker issues,
                            Authorizer authorizer) {
        this.currentUser = currentUser;
        this.namespaces = namespaces;
        this.issues = issues;
        this.authorizer = authorizer;
    }

    @POST
    public Response create(CreateProject body) {
        CreateProject request = UsersResource.require(body);
        Project project = namespaces.createProject(currentUser.actor(), request.name(), request.path(),
                request.namespaceId(), request.visibility(), request.description());
        return Response.status(Response.Status.CREATED).entity(Views.ProjectView.of(project)).build();
    }

    /** Projects the caller can see (both identities, with composite identity). */
    @GET
    @RequiredScopes({"api", "read_api"})
    public Response list(@QueryParam("page") String page, @QueryParam("per_page") String perPage,
                         @Context UriInfo uri) {
        return Pagination.of(page, perPage).respond(
                authorizer.visibleProjects(currentUser.actor()).map(Views.ProjectView::of), uri);
    }

    /** {@code :id} is the numeric id or the URL-encoded full path ({@code group%2Fproject}). */
    @GET
    @Path("/{id}")
    @RequiredScopes({"api", "read_api"})
    public Views.ProjectView project(@PathParam("id") String id) {
        Project project = namespaces.project(id);
        authorizer.authorize(currentUser.actor(), Authorizer.ProjectAction.READ, project);
        return Views.ProjectView.of(project);
    }

    @PUT
    @Path("/{id}")
    public Views.ProjectView update(@PathParam("id") String id, UpdateProject body) {
        UpdateProject request = UsersResource.require(body);
        return Views.ProjectView.of(namespaces.updateProject(currentUser.actor(), namespaces.project(id),
                request.name(), request.description()));
    }

    @GET
    @Path("/{id}/members")
    @RequiredScopes({"api", "read_api"})
    public Response members(@PathParam("id") String id, @QueryParam("page") String page,
                            @QueryParam("per_page") String perPage, @Context UriInfo uri) {
        Project project = namespaces.project(id);
        authorizer.authorize(currentUser.actor(), Authorizer.ProjectAction.READ, project);
        return Pagination.of(page, perPage).respond(
                Member.ofSource(Member.PROJECT, project.id),
                Views.MemberView::of, uri);
    }

    @POST
    @Path("/{id}/members")
    public Response addMember(@PathParam("id") String id, GroupsResource.AddMember body) {
        GroupsResource.AddMember request = UsersResource.require(body);
        Member member = namespaces.addProjectMember(currentUser.actor(), namespaces.project(id), request.userId(),
                request.accessLevel());
        return Response.status(Response.Status.CREATED).entity(Views.MemberView.of(member)).build();
    }

    @POST
    @Path("/{id}/issues")
    public Response createIssue(@PathParam("id") String id, CreateIssue body) {
        CreateIssue request = UsersResource.require(body);
        Issue issue = issues.createIssue(currentUser.actor(), namespaces.project(id), request.title(),
                request.description());
        return Response.status(Response.Status.CREATED).entity(Views.IssueView.of(issue)).build();
    }

    @GET
    @Path("/{id}/issues")
    @RequiredScopes({"api", "read_api"})
    public Response listIssues(@PathParam("id") String id, @QueryParam("page") String page,
                               @QueryParam("per_page") String perPage, @Context UriInfo uri) {
        Project project = namespaces.project(id);
        authorizer.authorize(currentUser.actor(), Authorizer.ProjectAction.READ, project);
        return Pagination.of(page, perPage).respond(
                Issue.<Issue>find("project.id = ?1 order by iid desc", project.id), Views.IssueView::of, uri);
    }

    @GET
    @Path("/{id}/issues/{iid}")
    @RequiredScopes({"api", "read_api"})
    public Views.IssueView issue(@PathParam("id") String id, @PathParam("iid") long iid) {
        return Views.IssueView.of(issues.issue(currentUser.actor(), namespaces.project(id), iid));
    }

    @POST
    @Path("/{id}/issues/{iid}/notes")
    public Response createNote(@PathParam("id") String id, @PathParam("iid") long iid, CreateNote body) {
        CreateNote request = UsersResource.require(body);
        return Response.status(Response.Status.CREATED).entity(Views.NoteView.of(
                issues.createNote(currentUser.actor(), namespaces.project(id), iid, request.body()))).build();
    }

    @POST
    @Path("/{id}/labels")
    public Response createLabel(@PathParam("id") String id, CreateLabel body) {
        CreateLabel request = UsersResource.require(body);
        return Response.status(Response.Status.CREATED).entity(Views.LabelView.of(
                issues.createLabel(currentUser.actor(), namespaces.project(id), request.name(), request.color())))
                .build();
    }
}
