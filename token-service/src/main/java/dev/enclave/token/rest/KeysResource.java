package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.token.service.InternalClientAuthenticator;
import dev.enclave.token.service.SigningKeyStore;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Internal admin API for the signing keys: list them, rotate now. Never exposes private halves. */
@Path("/internal/v1/keys")
@Produces(MediaType.APPLICATION_JSON)
public class KeysResource {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record KeyView(String kid, @JsonProperty("created_at") Instant createdAt,
                          @JsonProperty("retired_at") Instant retiredAt, boolean active, boolean published) {
    }

    public record RotationView(@JsonProperty("previous_kid") String previousKid, String kid) {
    }

    private final InternalClientAuthenticator clients;
    private final SigningKeyStore keys;

    public KeysResource(InternalClientAuthenticator clients, SigningKeyStore keys) {
        this.clients = clients;
        this.keys = keys;
    }

    @GET
    public List<KeyView> list(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        clients.authenticate(authorization);
        Set<String> published = keys.publishedKeys().stream().map(k -> k.getKeyId()).collect(Collectors.toSet());
        return keys.listKeys().stream()
                .map(k -> new KeyView(k.kid, k.createdAt, k.retiredAt, k.retiredAt == null, published.contains(k.kid)))
                .toList();
    }

    @POST
    @Path("/rotate")
    public Response rotate(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        clients.authenticate(authorization);
        SigningKeyStore.Rotation rotation = keys.rotate();
        return Response.status(Response.Status.CREATED)
                .entity(new RotationView(rotation.previousKid(), rotation.kid())).build();
    }
}
