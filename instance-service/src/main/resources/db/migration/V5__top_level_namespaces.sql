-- Security review (issue 12), finding 12: a top-level namespace path (a username, or the path of a
-- group without a parent) belongs to one user or one group, ignoring case, as in GitLab; a group
-- may not take a user's name (squatting the user's namespace) nor a user a top-level group's path.
-- One row per path, written in the transaction that creates the user or the group: the primary key
-- turns two concurrent creations of the same path into a constraint violation. Portable to H2 and
-- PostgreSQL.
CREATE TABLE top_level_namespaces (
    path_key VARCHAR(255) NOT NULL PRIMARY KEY,
    kind     VARCHAR(16)  NOT NULL,
    owner_id BIGINT       NOT NULL,
    CONSTRAINT top_level_namespaces_kind_valid CHECK (kind IN ('user', 'group'))
);

-- Existing users first (they keep their names); a group that already squats a user's name keeps
-- working but reserves nothing.
INSERT INTO top_level_namespaces (path_key, kind, owner_id)
SELECT LOWER(u.username), 'user', MIN(u.id) FROM users u GROUP BY LOWER(u.username);
INSERT INTO top_level_namespaces (path_key, kind, owner_id)
SELECT LOWER(g.path), 'group', MIN(g.id) FROM namespace_groups g
 WHERE g.parent_id IS NULL
   AND NOT EXISTS (SELECT 1 FROM top_level_namespaces t WHERE t.path_key = LOWER(g.path))
 GROUP BY LOWER(g.path);
