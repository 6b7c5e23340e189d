package dev.enclave.instance.rest;

import dev.enclave.instance.domain.AuditEvent;
import dev.enclave.instance.security.CurrentUser;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/** Instance audit events (admin), newest first; filter by {@code entity_type} and {@code entity_id}. */
@Path("/api/v4/audit_events")
@Produces(MediaType.APPLICATION_JSON)
public class AuditEventsResource {

    private final CurrentUser currentUser;

    public AuditEventsResource(CurrentUser currentUser) {
        this.currentUser = currentUser;
    }

    @GET
    public Response list(@QueryParam("entity_type") String entityType, @QueryParam("entity_id") Long entityId,
                         @QueryParam("page") Integer page, @QueryParam("per_page") Integer perPage,
                         @Context UriInfo uri) {
        currentUser.requireAdmin();
        var query = entityType == null
                ? AuditEvent.<AuditEvent>find("order by id desc")
                : entityId == null
                ? AuditEvent.<AuditEvent>find("targetType = ?1 order by id desc", entityType)
                : AuditEvent.<AuditEvent>find("targetType = ?1 and targetId = ?2 order by id desc", entityType, entityId);
        return Pagination.of(page, perPage).respond(query, Views.AuditEventView::of, uri);
    }
}
