package dev.enclave.instance.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.security.CurrentUser;
import dev.enclave.instance.security.RequiredScopes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

@Path("/api/v4/user")
@Produces(MediaType.APPLICATION_JSON)
public class UserResource {

    public record UserView(long id, String username, String name, String state, boolean bot,
                           @JsonProperty("is_admin") boolean admin, String email) {
        static UserView of(User user) {
            return new UserView(user.id, user.username, user.name, user.state, user.bot, user.admin, user.email);
        }
    }

    private final CurrentUser currentUser;

    public UserResource(CurrentUser currentUser) {
        this.currentUser = currentUser;
    }

    @GET
    @RequiredScopes({"api", "read_api", "read_user", "ai_features"})
    public UserView current() {
        return UserView.of(currentUser.require());
    }
}
