package dev.enclave.instance.security;

import dev.enclave.instance.domain.Group;
import dev.enclave.instance.domain.Member;
import dev.enclave.instance.domain.Project;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.util.List;

/**
 * The one authorization component: every endpoint that touches a group or a project asks it.
 * GitLab's rules: public resources are visible to everyone, internal ones to every signed-in
 * user, private ones to members (directly or through any ancestor group) and admins; what a
 * visible resource lets you do depends on your highest access level there. Invisible answers 404,
 * visible but not allowed 403. With composite identity both the service account and the human
 * must pass, and the first that fails decides the answer.
 */
@ApplicationScoped
@Transactional(Transactional.TxType.SUPPORTS)
public class Authorizer {

    public static final int NO_ACCESS = 0;
    public static final int GUEST = 10;
    public static final int REPORTER = 20;
    public static final int DEVELOPER = 30;
    public static final int MAINTAINER = 40;
    public static final int OWNER = 50;

    /** What can be done to a project, and the access level it needs once the project is visible. */
    public enum ProjectAction {
        READ(NO_ACCESS), CREATE_ISSUE(NO_ACCESS), CREATE_NOTE(NO_ACCESS), ADMIN_LABEL(REPORTER),
        UPDATE(MAINTAINER), ADMIN_MEMBER(MAINTAINER);

        final int minimumLevel;

        ProjectAction(int minimumLevel) {
            this.minimumLevel = minimumLevel;
        }
    }

    public enum GroupAction {
        READ(NO_ACCESS), CREATE_PROJECT(DEVELOPER), CREATE_SUBGROUP(MAINTAINER), ADMIN_MEMBER(OWNER);

        final int minimumLevel;

        GroupAction(int minimumLevel) {
            this.minimumLevel = minimumLevel;
        }
    }

    public void authorize(Actor actor, ProjectAction action, Project project) {
        for (User user : principals(actor)) {
            if (!canRead(user, project)) {
                throw ApiException.notFound("Project");
            }
        }
        for (User user : principals(actor)) {
            if (accessLevel(user, project) < action.minimumLevel) {
                throw ApiException.forbidden(null);
            }
        }
    }

    public void authorize(Actor actor, GroupAction action, Group group) {
        for (User user : principals(actor)) {
            if (!canRead(user, group)) {
                throw ApiException.notFound("Group");
            }
        }
        for (User user : principals(actor)) {
            if (accessLevel(user, group) < action.minimumLevel) {
                throw ApiException.forbidden(null);
            }
        }
    }

    /** Whether the actor (both identities, for composite identity) may see the project. */
    public boolean canRead(Actor actor, Project project) {
        return principals(actor).stream().allMatch(user -> canRead(user, project));
    }

    /**
     * Adding or raising a member above one's own level is refused, as in GitLab (only owners
     * make owners). Admins are not limited.
     */
    public void authorizeGrantOf(Actor actor, int level, Project project) {
        for (User user : principals(actor)) {
            if (!user.admin && level > accessLevel(user, project)) {
                throw ApiException.forbidden(null);
            }
        }
    }

    public void authorizeGrantOf(Actor actor, int level, Group group) {
        for (User user : principals(actor)) {
            if (!user.admin && level > accessLevel(user, group)) {
                throw ApiException.forbidden(null);
            }
        }
    }

    boolean canRead(User user, Project project) {
        return switch (project.visibility) {
            case "public", "internal" -> true;
            default -> accessLevel(user, project) >= GUEST;
        };
    }

    boolean canRead(User user, Group group) {
        return switch (group.visibility) {
            case "public", "internal" -> true;
            default -> accessLevel(user, group) >= GUEST;
        };
    }

    /** Highest of the direct project membership and the memberships in its group's chain. */
    public int accessLevel(User user, Project project) {
        if (user.admin) {
            return OWNER;
        }
        int level = Member.find(Member.PROJECT, project.id, user.id).map(m -> m.accessLevel).orElse(NO_ACCESS);
        if (project.group != null) {
            level = Math.max(level, groupChainLevel(user, project.group));
        } else if (project.creator.id.equals(user.id)) {
            level = OWNER;
        }
        return level;
    }

    public int accessLevel(User user, Group group) {
        return user.admin ? OWNER : groupChainLevel(user, group);
    }

    private static int groupChainLevel(User user, Group group) {
        List<Long> chain = group.selfAndAncestors().stream().map(g -> g.id).toList();
        return Member.inGroups(user.id, chain).stream().mapToInt(m -> m.accessLevel).max().orElse(NO_ACCESS);
    }

    private static List<User> principals(Actor actor) {
        return actor.isComposite() ? List.of(actor.user(), actor.scopedUser()) : List.of(actor.user());
    }
}
