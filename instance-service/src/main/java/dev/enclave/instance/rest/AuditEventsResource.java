package dev.enclave.instance.rest;

import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.domain.AuditEvent;
import dev.enclave.instance.security.CurrentUser;
import dev.enclave.instance.service.CompositeTokenAudit;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;

/**
 * Instance audit events (admin), newest first; filter by {@code entity_type} and {@code entity_id}.
 * Composite token creations are caught up from token-service's feed before the answer.
 */
@Path("/api/v4/audit_events")
@Produces(MediaType.APPLICATION_JSON)
public class AuditEventsResource {

    private static final Logger LOG = Logger.getLogger(AuditEventsResource.class);

    private final CurrentUser currentUser;
    private final CompositeTokenAudit compositeTokens;

    public AuditEventsResource(CurrentUser currentUser, CompositeTokenAudit compositeTokens) {
        this.currentUser = currentUser;
        this.compositeTokens = compositeTokens;
    }

    @GET
    public Response list(@QueryParam("entity_type") String entityType, @QueryParam("entity_id") Long entityId,
                         @QueryParam("page") String page, @QueryParam("per_page") String perPage,
                         @Context UriInfo uri) {
        currentUser.requireAdmin();
        // Composite tokens are created at token-service, which the instance polls; reading the log
        // catches up first, so a token created a moment ago is in the answer.
        try {
            compositeTokens.catchUp();
        } catch (TokenServiceClient.TokenServiceException e) {
            LOG.debugf("Audit events answered without catching up with token-service: %s", e.getMessage());
        }
        var query = entityType == null
                ? AuditEvent.<AuditEvent>find("order by id desc")
                : entityId == null
                ? AuditEvent.<AuditEvent>find("targetType = ?1 order by id desc", entityType)
                : AuditEvent.<AuditEvent>find("targetType = ?1 and targetId = ?2 order by id desc", entityType, entityId);
        return Pagination.of(page, perPage).respond(query, Views.AuditEventView::of, uri);
    }
}
