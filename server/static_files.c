/*
 * static_files: serves the frontend from STATIC_DIR with the right content
 * type, an ETag for revalidation and Cache-Control: no-cache. Only regular
 * files below the directory; no listing, no dot-files, no "..".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "handlers.h"

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

static bool safe_path(const char *p)
{
    if (p[0] != '/' || strlen(p) > 512)
        return false;
    for (const char *s = p; *s; s++) {
        if (*s == '\\' || (unsigned char)*s < 0x20)
            return false;
        if (s[0] == '/' && s[1] == '.') /* "..", dot-files */
            return false;
    }
    return true;
}

static void not_found(http_request *req)
{
    problem_send(req, 404, "not-found", NULL, "There is no such page.");
}

void static_serve(http_request *req)
{
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        http_add_header(req, "Allow", "GET, HEAD");
        problem_send(req, 405, "method-not-allowed", NULL, "Only GET is possible here.");
        return;
    }
    const char *rel = strcmp(req->path, "/") == 0 ? "/index.html" : req->path;
    if (!safe_path(rel)) {
        not_found(req);
        return;
    }
    char *full = arena_printf(req->arena, "%s%s", app.cfg.static_dir, rel);
    int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 16 * 1024 * 1024) {
        if (fd >= 0)
            close(fd);
        not_found(req);
        return;
    }
    char *etag = arena_printf(req->arena, "\"%lx-%lx\"", (unsigned long)st.st_size,
                              (unsigned long)st.st_mtime);
    http_add_header(req, "ETag", etag);
    http_add_header(req, "Cache-Control", "no-cache");
    const char *inm = http_header(req, "If-None-Match");
    if (inm && strcmp(inm, etag) == 0) {
        close(fd);
        http_reply(req, 304, NULL, NULL, 0);
        return;
    }
    size_t len = (size_t)st.st_size;
    char *buf = malloc(len ? len : 1);
    size_t got = 0;
    while (buf && got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf || got != len) {
        free(buf);
        problem_send(req, 500, "internal", NULL, "The file could not be read.");
        return;
    }
    http_reply_owned(req, 200, content_type(rel), buf, len);
}
