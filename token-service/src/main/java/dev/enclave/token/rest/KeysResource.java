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

    /**
     * @param state   {@code next} (published, not signing yet), {@code signing}, or {@code retired}
     * @param active  whether it signs now (the {@code signing} state)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record KeyView(String kid, String state, @JsonProperty("created_at") Instant createdAt,
                          @JsonProperty("signs_from") Instant signsFrom,
                          @JsonProperty("retired_at") Instant retiredAt, boolean active, boolean published) {
    }

    /** @param signsFrom when {@code kid} starts signing; {@code previous_kid} signs until then */
    public record RotationView(@JsonProperty("previous_kid") String previousKid, String kid,
                               @JsonProperty("signs_from") Instant signsFrom) {
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
                .map(k -> new KeyView(k.kid, k.isSigning() ? "signing" : k.isNext() ? "next" : "retired", k.createdAt,
                        k.signsFrom, k.retiredAt, k.isSigning(), published.contains(k.kid)))
                .toList();
    }

    /** 201: the new key is published and signs from {@code signs_from}; 409 while an earlier one waits. */
    @POST
    @Path("/rotate")
    public Response rotate(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        clients.authenticate(authorization);
        SigningKeyStore.Rotation rotation = keys.rotate();
        return Response.status(Response.Status.CREATED)
                .entity(new RotationView(rotation.previousKid(), rotation.kid(), rotation.signsFrom())).build();
    }
}
