package dev.enclave.instance.security;

import dev.enclave.instance.domain.Group;
import dev.enclave.instance.domain.Member;
import dev.enclave.instance.domain.Project;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.rest.Pagination;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

    /** Whether the actor (both identities, for composite identity) may see the group. */
    public boolean canRead(Actor actor, Group group) {
        return principals(actor).stream().allMatch(user -> canRead(user, group));
    }

    /**
     * The projects the actor (both identities, for composite identity) may see, filtered and paged
     * in the database: the rule of {@link #canRead(User, Project)} as one query, so that a list
     * costs the same few statements however many projects there are. A group's descendants are the
     * groups whose full path starts with its own followed by {@code /} (full paths are unique and
     * follow the parent chain), which finds membership through any ancestor without walking it.
     */
    public Pagination.Source<Project> visibleProjects(Actor actor) {
        StringBuilder where = new StringBuilder("1 = 1");
        Map<String, Object> params = new HashMap<>();
        List<User> users = principals(actor);
        for (int i = 0; i < users.size(); i++) {
            User user = users.get(i);
            if (user.admin) {
                continue;
            }
            String u = "u" + i;
            params.put(u, user.id);
            where.append(" and (p.visibility in ('public', 'internal')"
                    + " or (p.group is null and p.creator.id = :" + u + ")"
                    + " or exists (select 1 from Member pm where pm.sourceType = 'project' and pm.sourceId = p.id"
                    + "   and pm.user.id = :" + u + ")"
                    + " or exists (select 1 from Member gm, Group mg where gm.sourceType = 'group'"
                    + "   and gm.user.id = :" + u + " and mg.id = gm.sourceId"
                    + "   and (pg.id = mg.id"
                    + "     or substring(pg.fullPath, 1, length(mg.fullPath) + 1) = concat(mg.fullPath, '/'))))");
        }
        EntityManager em = Project.getEntityManager();
        return new Pagination.Source<>() {
            @Override
            public long count() {
                TypedQuery<Long> query = em.createQuery(
                        "select count(p) from Project p left join p.group pg where " + where, Long.class);
                params.forEach(query::setParameter);
                return query.getSingleResult();
            }

            @Override
            public List<Project> rows(int first, int max) {
                // The view needs the group and the creator: fetched here, not once per project.
                TypedQuery<Project> query = em.createQuery("select p from Project p left join fetch p.group pg"
                        + " join fetch p.creator where " + where + " order by p.id", Project.class);
                params.forEach(query::setParameter);
                return query.setFirstResult(first).setMaxResults(max).getResultList();
            }
        };
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
