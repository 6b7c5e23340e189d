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
 * {@code X-Next-Page}, {@code X-Prev-Page} and a {@code Link} header.
 */
public record Pagination(int page, int perPage) {

    public static final int DEFAULT_PER_PAGE = 20;
    public static final int MAX_PER_PAGE = 100;

    public static Pagination of(Integer page, Integer perPage) {
        int p = page == null ? 1 : page;
        int size = perPage == null ? DEFAULT_PER_PAGE : perPage;
        if (p < 1) {
            throw ApiException.badRequest("page must be 1 or more");
        }
        if (size < 1) {
            throw ApiException.badRequest("per_page must be 1 or more");
        }
        return new Pagination(p, Math.min(size, MAX_PER_PAGE));
    }

    public <E, V> Response respond(PanacheQuery<E> query, Function<E, V> view, UriInfo uri) {
        long total = query.count();
        List<V> items = query.page(page - 1, perPage).list().stream().map(view).toList();
        return respond(items, total, uri);
    }

    /** For lists filtered in memory (e.g. by visibility): pages the already complete list. */
    public <V> Response respond(List<V> all, UriInfo uri) {
        int from = (int) Math.min((long) (page - 1) * perPage, all.size());
        int to = Math.min(from + perPage, all.size());
        return respond(all.subList(from, to), all.size(), uri);
    }

    private <V> Response respond(List<V> items, long total, UriInfo uri) {
        int totalPages = (int) Math.max(1, (total + perPage - 1) / perPage);
        Response.ResponseBuilder response = Response.ok(items)
                .header("X-Total", total)
                .header("X-Total-Pages", totalPages)
                .header("X-Page", page)
                .header("X-Per-Page", perPage)
                .header("X-Next-Page", page < totalPages ? String.valueOf(page + 1) : "")
                .header("X-Prev-Page", page > 1 ? String.valueOf(page - 1) : "");
        List<String> links = new ArrayList<>();
        if (page > 1) {
            links.add(link(uri, page - 1, "prev"));
        }
        if (page < totalPages) {
            links.add(link(uri, page + 1, "next"));
        }
        links.add(link(uri, 1, "first"));
        links.add(link(uri, totalPages, "last"));
        return response.header("Link", String.join(", ", links)).build();
    }

    private String link(UriInfo uri, int target, String rel) {
        String url = uri.getRequestUriBuilder().replaceQueryParam("page", target)
                .replaceQueryParam("per_page", perPage).build().toString();
        return "<" + url + ">; rel=\"" + rel + "\"";
    }
}
