package dev.enclave.instance.rest;

import org.hibernate.exception.ConstraintViolationException;
import org.hibernate.exception.DataException;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the database refused, as the API's answer. The services check before they write, but two
 * requests can pass the same check at once (check-then-insert): the schema's constraints decide,
 * and their violation is a 4xx naming what was taken, never a 500.
 */
final class PersistenceFailures {

    private static final Logger LOG = Logger.getLogger(PersistenceFailures.class);

    /** Constraint name (as in the Flyway schema, any case) → the answer GitLab gives for the same conflict. */
    private static final List<Map.Entry<String, Supplier<ApiException>>> UNIQUE = List.of(
            Map.entry("users_username_unique", () -> ApiException.conflict("Username has already been taken")),
            Map.entry("top_level_namespaces", () -> ApiException.validation("path", "has already been taken")),
            Map.entry("groups_full_path_unique", () -> ApiException.validation("path", "has already been taken")),
            Map.entry("projects_full_path_unique", () -> ApiException.validation("path", "has already been taken")),
            Map.entry("members_unique", () -> ApiException.conflict("Member already exists")),
            Map.entry("labels_name_unique", () -> ApiException.conflict("Label already exists")),
            Map.entry("ai_self_hosted_models_name_unique", () -> ApiException.badRequest("name has already been taken")),
            Map.entry("duo_seat_assignments", () -> ApiException.conflict("User already has a Duo Enterprise seat")));

    private PersistenceFailures() {
    }

    /** The answer for a failed write, found anywhere in the cause chain; null if it is none of ours. */
    static ApiException answer(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConstraintViolationException violation) {
                return answer(violation);
            }
            if (t instanceof DataException) {
                // Lengths are checked against the schema before writing; this is the backstop.
                LOG.warnf("A value did not fit its column: %s", t.getMessage());
                return ApiException.badRequest("A value is too long or out of range for its field");
            }
        }
        return null;
    }

    private static ApiException answer(ConstraintViolationException violation) {
        String name = violation.getConstraintName() != null ? violation.getConstraintName()
                : String.valueOf(violation.getSQLException() == null ? null : violation.getSQLException().getMessage());
        String lower = name.toLowerCase(Locale.ROOT);
        LOG.debugf("Write refused by constraint %s (%s)", name, violation.getKind());
        if (violation.getKind() == ConstraintViolationException.ConstraintKind.UNIQUE) {
            return UNIQUE.stream().filter(e -> lower.contains(e.getKey())).map(e -> e.getValue().get()).findFirst()
                    .orElseGet(() -> ApiException.conflict("409 Conflict - the record already exists"));
        }
        if (violation.getKind() == ConstraintViolationException.ConstraintKind.FOREIGN_KEY) {
            return ApiException.conflict("409 Conflict - the record is referenced by, or refers to, another that "
                    + "changed at the same time; try again");
        }
        return ApiException.badRequest("The values break a rule of the database (" + violation.getKind()
                + "); check the fields sent");
    }
}
