package dev.enclave.instance.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.instance.domain.AuditEvent;
import dev.enclave.instance.domain.Group;
import dev.enclave.instance.domain.Issue;
import dev.enclave.instance.domain.Label;
import dev.enclave.instance.domain.Member;
import dev.enclave.instance.domain.Note;
import dev.enclave.instance.domain.PersonalAccessToken;
import dev.enclave.instance.domain.Project;
import dev.enclave.instance.domain.User;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/** GitLab's JSON shapes for the resources this API serves (the subset of fields clients use). */
public final class Views {

    private Views() {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UserView(long id, String username, String name, String state, boolean bot, String email,
                           @JsonProperty("is_admin") Boolean admin,
                           @JsonProperty("composite_identity_enforced") Boolean compositeIdentityEnforced,
                           @JsonProperty("created_at") Instant createdAt) {

        /** What any signed-in user may see of another. */
        public static UserView basic(User user) {
            return new UserView(user.id, user.username, user.name, user.state, user.bot, null, null, null, null);
        }

        /** What the user sees of themself, and admins of anyone. */
        public static UserView full(User user) {
            return new UserView(user.id, user.username, user.name, user.state, user.bot, user.email, user.admin,
                    user.bot ? user.compositeIdentityEnforced : null, user.createdAt);
        }
    }

    public record UserRef(long id, String username, String name, String state) {
        public static UserRef of(User user) {
            return new UserRef(user.id, user.username, user.name, user.state);
        }
    }

    public record PersonalAccessTokenView(long id, String name, boolean revoked,
                                          @JsonProperty("created_at") Instant createdAt, List<String> scopes,
                                          @JsonProperty("user_id") long userId, boolean active,
                                          @JsonProperty("expires_at") LocalDate expiresAt,
                                          @JsonProperty("last_used_at") Instant lastUsedAt,
                                          @JsonInclude(JsonInclude.Include.NON_NULL) String token) {
        public static PersonalAccessTokenView of(PersonalAccessToken t, boolean active, String plaintext) {
            return new PersonalAccessTokenView(t.id, t.name, t.revoked, t.createdAt,
                    List.of(t.scopes.split(" ")), t.user.id, active, t.expiresAt, t.lastUsedAt, plaintext);
        }
    }

    public record GroupView(long id, String name, String path, @JsonProperty("full_path") String fullPath,
                            String visibility, @JsonProperty("parent_id") Long parentId,
                            @JsonProperty("created_at") Instant createdAt) {
        public static GroupView of(Group g) {
            return new GroupView(g.id, g.name, g.path, g.fullPath, g.visibility,
                    g.parent == null ? null : g.parent.id, g.createdAt);
        }
    }

    public record Namespace(Long id, String name, String path, String kind, @JsonProperty("full_path") String fullPath) {
    }

    public record ProjectView(long id, String name, String path, @JsonProperty("path_with_namespace") String fullPath,
                              String description, String visibility, Namespace namespace,
                              @JsonProperty("creator_id") long creatorId,
                              @JsonProperty("created_at") Instant createdAt) {
        public static ProjectView of(Project p) {
            Namespace namespace = p.group != null
                    ? new Namespace(p.group.id, p.group.name, p.group.path, "group", p.group.fullPath)
                    : new Namespace(null, p.creator.username, p.creator.username, "user", p.creator.username);
            return new ProjectView(p.id, p.name, p.path, p.fullPath, p.description, p.visibility, namespace,
                    p.creator.id, p.createdAt);
        }
    }

    public record MemberView(long id, String username, String name, String state,
                             @JsonProperty("access_level") int accessLevel,
                             @JsonProperty("created_at") Instant createdAt) {
        public static MemberView of(Member m) {
            return new MemberView(m.user.id, m.user.username, m.user.name, m.user.state, m.accessLevel, m.createdAt);
        }
    }

    public record IssueView(long id, long iid, @JsonProperty("project_id") long projectId, String title,
                            String description, String state, UserRef author,
                            @JsonProperty("created_at") Instant createdAt) {
        public static IssueView of(Issue i) {
            return new IssueView(i.id, i.iid, i.project.id, i.title, i.description, "opened", UserRef.of(i.author),
                    i.createdAt);
        }
    }

    public record NoteView(long id, String body, UserRef author, @JsonProperty("noteable_type") String noteableType,
                           @JsonProperty("noteable_iid") long noteableIid,
                           @JsonProperty("created_at") Instant createdAt) {
        public static NoteView of(Note n) {
            return new NoteView(n.id, n.body, UserRef.of(n.author), "Issue", n.issue.iid, n.createdAt);
        }
    }

    public record LabelView(long id, String name, String color) {
        public static LabelView of(Label l) {
            return new LabelView(l.id, l.name, l.color);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AuditEventView(long id, @JsonProperty("event_name") String eventName,
                                 @JsonProperty("author_id") long authorId,
                                 @JsonProperty("scoped_user_id") Long scopedUserId,
                                 @JsonProperty("entity_type") String entityType,
                                 @JsonProperty("entity_id") long entityId, String details,
                                 @JsonProperty("created_at") Instant createdAt) {
        public static AuditEventView of(AuditEvent e) {
            return new AuditEventView(e.id, e.eventName, e.authorId, e.scopedUserId, e.targetType, e.targetId,
                    e.details, e.createdAt);
        }
    }
}
