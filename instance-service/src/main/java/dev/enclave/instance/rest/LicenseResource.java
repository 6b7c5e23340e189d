package dev.enclave.instance.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.instance.domain.DuoSeatAssignment;
import dev.enclave.instance.domain.License;
import dev.enclave.instance.security.CurrentUser;
import dev.enclave.instance.service.Licensing;
import dev.enclave.instance.service.UserAccounts;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
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

import java.time.Instant;

/** Admin API: the licence tier and the Duo Enterprise add-on seats. */
@Path("/api/v4")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class LicenseResource {

    public record LicenseView(String plan, @JsonProperty("duo_enterprise_seats") int duoEnterpriseSeats,
                              @JsonProperty("duo_enterprise_seats_assigned") long assigned) {
    }

    public record UpdateLicense(String plan, @JsonProperty("duo_enterprise_seats") Integer duoEnterpriseSeats) {
    }

    public record AssignSeat(@JsonProperty("user_id") Long userId) {
    }

    public record SeatView(@JsonProperty("user_id") long userId, @JsonProperty("assigned_at") Instant assignedAt) {
    }

    private final CurrentUser currentUser;
    private final Licensing licensing;
    private final UserAccounts accounts;

    public LicenseResource(CurrentUser currentUser, Licensing licensing, UserAccounts accounts) {
        this.currentUser = currentUser;
        this.licensing = licensing;
        this.accounts = accounts;
    }

    @GET
    @Path("/license")
    public LicenseView license() {
        currentUser.requireAdmin();
        return view(licensing.license());
    }

    @PUT
    @Path("/license")
    public LicenseView update(UpdateLicense body) {
        currentUser.requireAdmin();
        UpdateLicense request = UsersResource.require(body);
        return view(licensing.update(currentUser.actor(), request.plan(), request.duoEnterpriseSeats()));
    }

    @GET
    @Path("/admin/duo/seats")
    public Response seats(@QueryParam("page") String page, @QueryParam("per_page") String perPage,
                          @Context UriInfo uri) {
        currentUser.requireAdmin();
        return Pagination.of(page, perPage).respond(DuoSeatAssignment.<DuoSeatAssignment>find("order by userId"),
                s -> new SeatView(s.userId, s.assignedAt), uri);
    }

    @POST
    @Path("/admin/duo/seats")
    public Response assign(AssignSeat body) {
        currentUser.requireAdmin();
        AssignSeat request = UsersResource.require(body);
        if (request.userId() == null) {
            throw ApiException.badRequest("user_id is missing");
        }
        licensing.assignSeat(currentUser.actor(), accounts.find(request.userId()));
        return Response.status(Response.Status.CREATED).entity(view(licensing.license())).build();
    }

    @DELETE
    @Path("/admin/duo/seats/{userId}")
    public Response unassign(@PathParam("userId") long userId) {
        currentUser.requireAdmin();
        licensing.unassignSeat(currentUser.actor(), userId);
        return Response.noContent().build();
    }

    private LicenseView view(License license) {
        return new LicenseView(license.tier, license.duoEnterpriseSeats, licensing.seatsAssigned());
    }
}
