package dev.enclave.instance.service;

import dev.enclave.instance.domain.Issue;
import dev.enclave.instance.domain.Label;
import dev.enclave.instance.domain.Note;
import dev.enclave.instance.domain.Project;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.rest.FieldLimits;
import dev.enclave.instance.security.Actor;
import dev.enclave.instance.security.Authorizer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.util.regex.Pattern;

/**
 * Write actions on a project: issues, notes and labels. Writes are attributed to the token's
 * owner (the service account, with composite identity); the audit log names the human too.
 */
@ApplicationScoped
@Transactional
public class IssueTracker {

    private static final Pattern COLOR = Pattern.compile("#[0-9A-Fa-f]{6}");

    private final Authorizer authorizer;
    private final AuditLog audit;
    private final Clock clock;

    public IssueTracker(Authorizer authorizer, AuditLog audit, Clock clock) {
        this.authorizer = authorizer;
        this.audit = audit;
        this.clock = clock;
    }

    public Issue createIssue(Actor actor, Project project, String title, String description) {
        authorizer.authorize(actor, Authorizer.ProjectAction.CREATE_ISSUE, project);
        if (title == null || title.isBlank()) {
            throw ApiException.badRequest("title is missing");
        }
        FieldLimits.require(title, "title", FieldLimits.ISSUE_TITLE);
        FieldLimits.require(description, "description", FieldLimits.TEXT_BODY);
        // Serialise iid allocation per project.
        Project locked = Project.findById(project.id, LockModeType.PESSIMISTIC_WRITE);
        Issue issue = new Issue();
        issue.project = locked;
        issue.iid = Issue.nextIid(locked.id);
        issue.title = title;
        issue.description = description;
        issue.author = actor.user();
        issue.createdAt = clock.instant();
        issue.persist();
        audit.record("issue_created", actor, "Issue", issue.id, "project_id=" + project.id + " iid=" + issue.iid);
        return issue;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Issue issue(Actor actor, Project project, long iid) {
        authorizer.authorize(actor, Authorizer.ProjectAction.READ, project);
        return Issue.findByIid(project.id, iid).orElseThrow(() -> ApiException.notFound("Issue"));
    }

    public Note createNote(Actor actor, Project project, long issueIid, String body) {
        authorizer.authorize(actor, Authorizer.ProjectAction.CREATE_NOTE, project);
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("body is missing");
        }
        FieldLimits.require(body, "body", FieldLimits.TEXT_BODY);
        Issue issue = Issue.findByIid(project.id, issueIid).orElseThrow(() -> ApiException.notFound("Issue"));
        Note note = new Note();
        note.issue = issue;
        note.body = body;
        note.author = actor.user();
        note.createdAt = clock.instant();
        note.persist();
        audit.record("note_created", actor, "Note", note.id, "issue_id=" + issue.id);
        return note;
    }

    public Label createLabel(Actor actor, Project project, String name, String color) {
        authorizer.authorize(actor, Authorizer.ProjectAction.ADMIN_LABEL, project);
        if (name == null || name.isBlank()) {
            throw ApiException.badRequest("name is missing");
        }
        FieldLimits.require(name, "name", FieldLimits.NAME);
        if (color == null || !COLOR.matcher(color).matches()) {
            throw ApiException.badRequest("color must be a 6-digit hex colour such as #428BCA");
        }
        if (Label.count("project.id = ?1 and name = ?2", project.id, name) > 0) {
            throw ApiException.conflict("Label already exists");
        }
        Label label = new Label();
        label.project = project;
        label.name = name;
        label.color = color;
        label.createdAt = clock.instant();
        label.persist();
        audit.record("label_created", actor, "Label", label.id, "project_id=" + project.id);
        return label;
    }
}
