package dev.enclave.instance.service;

import dev.enclave.instance.domain.Group;
import dev.enclave.instance.domain.Member;
import dev.enclave.instance.domain.Project;
import dev.enclave.instance.domain.TopLevelNamespace;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.rest.FieldLimits;
import dev.enclave.instance.security.Actor;
import dev.enclave.instance.security.Authorizer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Groups, projects and their members. Every decision goes through {@link Authorizer}. */
@ApplicationScoped
@Transactional
public class Namespaces {

    private static final List<String> VISIBILITY_ORDER = List.of("private", "internal", "public");
    private static final Set<Integer> ACCESS_LEVELS = Set.of(10, 20, 30, 40, 50);
    private static final Pattern ENCODED_SLASH = Pattern.compile("%2F", Pattern.CASE_INSENSITIVE);
    private static final Pattern PATH = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}");

    private final Authorizer authorizer;
    private final AuditLog audit;
    private final Clock clock;
    private final TopLevelNamespaces topLevel;

    public Namespaces(Authorizer authorizer, AuditLog audit, Clock clock, TopLevelNamespaces topLevel) {
        this.authorizer = authorizer;
        this.audit = audit;
        this.clock = clock;
        this.topLevel = topLevel;
    }

    /**
     * {@code :id} is a numeric id or a URL-encoded full path, as in GitLab. The framework decodes
     * the path parameter except its encoded slashes; only those are decoded here (a full path has
     * nothing else that needs encoding). Decoding the rest a second time turned {@code %25zz} into
     * a malformed escape and a 500; now any other {@code %} is a name no project has: 404.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Project project(String idOrPath) {
        return (isNumeric(idOrPath) ? id(idOrPath).flatMap(id -> Project.<Project>findByIdOptional(id))
                : Project.findByFullPath(fullPath(idOrPath))).orElseThrow(() -> ApiException.notFound("Project"));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Group group(String idOrPath) {
        return (isNumeric(idOrPath) ? id(idOrPath).flatMap(id -> Group.<Group>findByIdOptional(id))
                : Group.findByFullPath(fullPath(idOrPath))).orElseThrow(() -> ApiException.notFound("Group"));
    }

    private static String fullPath(String encoded) {
        return ENCODED_SLASH.matcher(encoded).replaceAll("/");
    }

    /** An id beyond 64 bits names nothing. */
    private static Optional<Long> id(String digits) {
        try {
            return Optional.of(Long.parseLong(digits));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public Group createGroup(Actor actor, String name, String path, Long parentId, String visibility) {
        requireText(name, "name");
        FieldLimits.require(name, "name", FieldLimits.NAME);
        String chosenPath = requirePath(path == null || path.isBlank() ? slug(name) : path, "path");
        String chosenVisibility = visibility(visibility);
        Group group = new Group();
        group.name = name;
        group.path = chosenPath;
        group.visibility = chosenVisibility;
        group.createdAt = clock.instant();
        if (parentId != null) {
            Group parent = Group.<Group>findByIdOptional(parentId).orElseThrow(() -> ApiException.notFound("Group"));
            authorizer.authorize(actor, Authorizer.GroupAction.CREATE_SUBGROUP, parent);
            requireNotMoreVisible(chosenVisibility, parent.visibility, "the parent group");
            group.parent = parent;
            group.fullPath = parent.fullPath + "/" + chosenPath;
        } else {
            group.fullPath = chosenPath;
            topLevel.requireFree(chosenPath, Namespaces::pathTaken);
        }
        requireFullPath(group.fullPath);
        if (Group.findByFullPath(group.fullPath).isPresent() || Project.findByFullPath(group.fullPath).isPresent()) {
            throw pathTaken();
        }
        group.persist();
        if (group.parent == null) {
            topLevel.reserve(chosenPath, TopLevelNamespace.GROUP, group.id, Namespaces::pathTaken);
        }
        // As in GitLab, whoever creates a group owns it.
        addMember(Member.GROUP, group.id, actor.user(), Authorizer.OWNER);
        audit.record("group_created", actor, "Group", group.id, group.fullPath);
        return group;
    }

    public Project createProject(Actor actor, String name, String path, Long namespaceId, String visibility,
                                 String description) {
        requireText(name, "name");
        FieldLimits.require(name, "name", FieldLimits.NAME);
        FieldLimits.require(description, "description", FieldLimits.PROJECT_DESCRIPTION);
        String chosenPath = requirePath(path == null || path.isBlank() ? slug(name) : path, "path");
        String chosenVisibility = visibility(visibility);
        Project project = new Project();
        project.name = name;
        project.path = chosenPath;
        project.visibility = chosenVisibility;
        project.description = description;
        project.creator = actor.user();
        project.createdAt = clock.instant();
        if (namespaceId != null) {
            Group group = Group.<Group>findByIdOptional(namespaceId)
                    .orElseThrow(() -> ApiException.notFound("Namespace"));
            authorizer.authorize(actor, Authorizer.GroupAction.CREATE_PROJECT, group);
            requireNotMoreVisible(chosenVisibility, group.visibility, "its group");
            project.group = group;
            project.fullPath = group.fullPath + "/" + chosenPath;
        } else {
            project.fullPath = actor.user().username + "/" + chosenPath;
        }
        requireFullPath(project.fullPath);
        if (Project.findByFullPath(project.fullPath).isPresent()) {
            throw pathTaken();
        }
        project.persist();
        audit.record("project_created", actor, "Project", project.id, project.fullPath);
        return project;
    }

    public Project updateProject(Actor actor, Project project, String name, String description) {
        authorizer.authorize(actor, Authorizer.ProjectAction.UPDATE, project);
        if (name != null) {
            requireText(name, "name");
            project.name = FieldLimits.require(name, "name", FieldLimits.NAME);
        }
        if (description != null) {
            project.description = FieldLimits.require(description, "description", FieldLimits.PROJECT_DESCRIPTION);
        }
        audit.record("project_updated", actor, "Project", project.id, null);
        return project;
    }

    public Member addProjectMember(Actor actor, Project project, Long userId, Integer accessLevel) {
        authorizer.authorize(actor, Authorizer.ProjectAction.ADMIN_MEMBER, project);
        int level = accessLevel(accessLevel);
        authorizer.authorizeGrantOf(actor, level, project);
        Member member = addMember(Member.PROJECT, project.id, memberUser(userId), level);
        audit.record("member_added", actor, "Project", project.id, "user_id=" + userId + " access_level=" + level);
        return member;
    }

    public Member addGroupMember(Actor actor, Group group, Long userId, Integer accessLevel) {
        authorizer.authorize(actor, Authorizer.GroupAction.ADMIN_MEMBER, group);
        int level = accessLevel(accessLevel);
        authorizer.authorizeGrantOf(actor, level, group);
        Member member = addMember(Member.GROUP, group.id, memberUser(userId), level);
        audit.record("member_added", actor, "Group", group.id, "user_id=" + userId + " access_level=" + level);
        return member;
    }

    private Member addMember(String sourceType, long sourceId, User user, int level) {
        if (Member.find(sourceType, sourceId, user.id).isPresent()) {
            throw ApiException.conflict("Member already exists");
        }
        Member member = new Member();
        member.sourceType = sourceType;
        member.sourceId = sourceId;
        member.user = user;
        member.accessLevel = level;
        member.createdAt = clock.instant();
        member.persist();
        return member;
    }

    private static User memberUser(Long userId) {
        if (userId == null) {
            throw ApiException.badRequest("user_id is missing");
        }
        return User.<User>findByIdOptional(userId).orElseThrow(() -> ApiException.notFound("User"));
    }

    private static int accessLevel(Integer level) {
        if (level == null) {
            throw ApiException.badRequest("access_level is missing");
        }
        if (!ACCESS_LEVELS.contains(level)) {
            throw ApiException.badRequest("access_level does not have a valid value (10, 20, 30, 40 or 50)");
        }
        return level;
    }

    private static String visibility(String visibility) {
        if (visibility == null || visibility.isBlank()) {
            return "private";
        }
        if (!VISIBILITY_ORDER.contains(visibility)) {
            throw ApiException.badRequest("visibility does not have a valid value (private, internal or public)");
        }
        return visibility;
    }

    private static void requireNotMoreVisible(String visibility, String containerVisibility, String container) {
        if (VISIBILITY_ORDER.indexOf(visibility) > VISIBILITY_ORDER.indexOf(containerVisibility)) {
            throw ApiException.badRequest("visibility " + visibility + " is not allowed: " + container + " is "
                    + containerVisibility);
        }
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest(field + " is missing");
        }
    }

    private static String requirePath(String path, String field) {
        FieldLimits.require(path, field, FieldLimits.PATH);
        if (!PATH.matcher(path).matches()) {
            throw ApiException.badRequest(field + " can contain only letters, digits, '_', '-' and '.'");
        }
        return path;
    }

    /** Deep nesting can make a full path longer than its column even when every segment fits. */
    private static void requireFullPath(String fullPath) {
        if (fullPath.length() > FieldLimits.FULL_PATH) {
            throw ApiException.badRequest("path is too long: the full path " + fullPath.substring(0, 40)
                    + "... would have " + fullPath.length() + " characters (maximum is " + FieldLimits.FULL_PATH + ")");
        }
    }

    /** GitLab's answer when a namespace path is taken: 400 {@code {"message": {"path": ["has already been taken"]}}}. */
    static ApiException pathTaken() {
        return ApiException.validation("path", "has already been taken");
    }

    private static String slug(String name) {
        return name.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.-]+", "-").replaceAll("^-+|-+$", "");
    }

    private static boolean isNumeric(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }

}
