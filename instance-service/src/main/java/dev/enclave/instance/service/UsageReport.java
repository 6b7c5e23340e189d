package dev.enclave.instance.service;

import dev.enclave.instance.domain.AiUsageRecord;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.rest.Pagination;
import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The usage records aggregated for admins: per user, model or feature over {@code [from, to)},
 * the busiest first, read a page at a time from the database (GROUP BY, LIMIT/OFFSET).
 */
@ApplicationScoped
public class UsageReport {

    /** What the records are grouped by: the {@code group_by} parameter. */
    public enum GroupBy {
        USER("r.userId"), MODEL("r.model"), FEATURE("r.feature");

        final String column;

        GroupBy(String column) {
            this.column = column;
        }

        public static GroupBy of(String value) {
            if (value == null || value.isBlank()) {
                return USER;
            }
            for (GroupBy groupBy : values()) {
                if (groupBy.name().equalsIgnoreCase(value.trim())) {
                    return groupBy;
                }
            }
            throw ApiException.badRequest("group_by does not have a valid value: one of "
                    + Arrays.stream(values()).map(g -> g.name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(", ")));
        }
    }

    /** The time window: {@code from} included, {@code to} excluded. */
    public record Window(Instant from, Instant to) {

        /** Without {@code from}, the 30 days before {@code to}; without {@code to}, now. */
        public static Window of(String from, String to, Instant now) {
            Instant end = to == null || to.isBlank() ? now : parse(to, "to", true);
            Instant start = from == null || from.isBlank() ? end.minus(java.time.Duration.ofDays(30))
                    : parse(from, "from", false);
            if (!start.isBefore(end)) {
                throw ApiException.badRequest("from must be before to");
            }
            return new Window(start, end);
        }

        /**
         * An ISO 8601 date and time with its offset, or a date: as {@code from}, the start of that
         * day (UTC); as {@code to}, its end (the next day's start), so {@code to=2026-11-30} includes the 30th.
         */
        private static Instant parse(String value, String name, boolean endOfDay) {
            String text = value.trim();
            try {
                if (text.length() == 10) {
                    LocalDate day = LocalDate.parse(text);
                    return (endOfDay ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
                }
                return java.time.OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest(name + " is invalid: an ISO 8601 date (2026-11-01) or date and time "
                        + "with offset (2026-11-01T09:30:00Z)");
            }
        }
    }

    /** One group's totals. Tokens are summed over the requests whose gateway reported them. */
    public record Row(Object key, long requests, long successful, long withTokenCounts, long inputTokens,
                      long outputTokens, long averageLatencyMs) {
    }

    public Pagination.Source<Row> grouped(GroupBy groupBy, Window window) {
        String where = " from AiUsageRecord r where r.createdAt >= :from and r.createdAt < :to";
        Map<String, Object> parameters = Map.of("from", window.from(), "to", window.to());
        return new Pagination.Source<>() {
            @Override
            public long count() {
                var query = Panache.getEntityManager().createQuery(
                        "select count(distinct " + groupBy.column + ")" + where, Long.class);
                parameters.forEach(query::setParameter);
                return query.getSingleResult();
            }

            @Override
            public List<Row> rows(int first, int max) {
                var query = Panache.getEntityManager().createQuery("select " + groupBy.column
                        + ", count(r), sum(case when r.outcome = 'success' then 1 else 0 end), count(r.inputTokens),"
                        + " coalesce(sum(r.inputTokens), 0), coalesce(sum(r.outputTokens), 0), avg(r.latencyMs)"
                        + where + " group by " + groupBy.column + " order by count(r) desc, " + groupBy.column,
                        Object[].class);
                parameters.forEach(query::setParameter);
                return query.setFirstResult(first).setMaxResults(max).getResultList().stream()
                        .map(UsageReport::row).toList();
            }
        };
    }

    private static Row row(Object[] columns) {
        return new Row(columns[0], number(columns[1]), number(columns[2]), number(columns[3]), number(columns[4]),
                number(columns[5]), Math.round(((Number) columns[6]).doubleValue()));
    }

    private static long number(Object value) {
        return value == null ? 0 : ((Number) value).longValue();
    }

    /** The usernames of the users on a page (a deleted user has none). */
    public static Map<Long, String> usernames(List<Row> rows) {
        List<Long> ids = rows.stream().map(r -> (Long) r.key()).toList();
        if (ids.isEmpty()) {
            return Map.of();
        }
        return User.<User>list("id in ?1", ids).stream()
                .collect(Collectors.toMap(u -> u.id, u -> u.username, (a, b) -> a));
    }

}
