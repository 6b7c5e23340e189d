package dev.enclave.instance.rest;

import io.quarkus.hibernate.orm.panache.PanacheQuery;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * GitLab's offset pagination: {@code page} (from 1) and {@code per_page} (default 20, at most
 * 100), answered with {@code X-Total}, {@code X-Total-Pages}, {@code X-Page}, {@code X-Per-Page},
 * {@code X-Next-Page}, {@code X-Prev-Page} and a {@code Link} header. The page is always read from
 * the database ({@code LIMIT}/{@code OFFSET}), never cut out of a complete list; a page beyond the
 * last is an empty list, however large its number.
 */
public record Pagination(long page, int perPage) {

    public static final int DEFAULT_PER_PAGE = 20;
    public static final int MAX_PER_PAGE = 100;

    /** One page of a query whose rows are counted and read separately. */
    public interface Source<V> {
        long count();

        /** Rows {@code first} (from 0) to {@code first + max - 1}, in the list's order. */
        List<V> rows(int first, int max);

        default <W> Source<W> map(Function<V, W> view) {
            Source<V> rows = this;
            return new Source<>() {
                @Override
                public long count() {
                    return rows.count();
                }

                @Override
                public List<W> rows(int first, int max) {
                    return rows.rows(first, max).stream().map(view).toList();
                }
            };
        }
    }

    /**
     * The parameters as sent: not an integer (or beyond 64 bits) and below 1 are 400 naming the
     * parameter; {@code per_page} above 100 is 100, as in GitLab.
     */
    public static Pagination of(String page, String perPage) {
        long p = parse(page, "page", 1);
        long size = parse(perPage, "per_page", DEFAULT_PER_PAGE);
        if (p < 1) {
            throw ApiException.badRequest("page must be 1 or more");
        }
        if (size < 1) {
            throw ApiException.badRequest("per_page must be 1 or more");
        }
        return new Pagination(p, (int) Math.min(size, MAX_PER_PAGE));
    }

    private static long parse(String value, String name, long absent) {
        if (value == null || value.isBlank()) {
            return absent;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " is invalid: an integer of 1 or more");
        }
    }

    /** Index of the page's first row; {@link Long#MAX_VALUE} when that overflows (no such row). */
    long offset() {
        try {
            return Math.multiplyExact(page - 1, (long) perPage);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    public <E, V> Response respond(PanacheQuery<E> query, Function<E, V> view, UriInfo uri) {
        return respond(new Source<E>() {
            @Override
            public long count() {
                return query.count();
            }

            @Override
            public List<E> rows(int first, int max) {
                return query.range(first, first + max - 1).list();
            }
        }.map(view), uri);
    }

    public <V> Response respond(Source<V> source, UriInfo uri) {
        long total = source.count();
        long offset = offset();
        // Hibernate takes an int offset: a page starting beyond that has no rows in any real table.
        List<V> items = offset >= total || offset > Integer.MAX_VALUE - perPage ? List.of()
                : source.rows((int) offset, perPage);
        return respond(items, total, uri);
    }

    private <V> Response respond(List<V> items, long total, UriInfo uri) {
        long totalPages = Math.max(1, (total + perPage - 1) / perPage);
        Response.ResponseBuilder response = Response.ok(items)
                .header("X-Total", total)
                .header("X-Total-Pages", totalPages)
                .header("X-Page", page)
                .header("X-Per-Page", perPage)
                .header("X-Next-Page", page < totalPages ? String.valueOf(page + 1) : "")
                // Beyond the last page there is no previous one either (Kaminari's out_of_range, as GitLab).
                .header("X-Prev-Page", page > 1 && page <= totalPages ? String.valueOf(page - 1) : "");
        List<String> links = new ArrayList<>();
        if (page > 1 && page <= totalPages) {
            links.add(link(uri, page - 1, "prev"));
        }
        if (page < totalPages) {
            links.add(link(uri, page + 1, "next"));
        }
        links.add(link(uri, 1, "first"));
        links.add(link(uri, totalPages, "last"));
        return response.header("Link", String.join(", ", links)).build();
    }

    private String link(UriInfo uri, long target, String rel) {
        String url = uri.getRequestUriBuilder().replaceQueryParam("page", target)
                .replaceQueryParam("per_page", perPage).build().toString();
        return "<" + url + ">; rel=\"" + rel + "\"";
    }
}
