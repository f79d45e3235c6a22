"""A local news site for tests of `qa add URL`: http.server in a thread with an article, a 404, an index page with
no article text, a PDF, a redirect and a page that states its own canonical address."""
from __future__ import annotations

import http.server
import threading
from contextlib import contextmanager

ARTICLE_TITLE = "Otter census finds 412 otters along the Vltava"
ARTICLE_FACT = "Volunteers counted 412 Eurasian otters along the Vltava river"
ARTICLE = f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>{ARTICLE_TITLE} | The Riverside Gazette</title>
<meta property="og:title" content="{ARTICLE_TITLE}">
<meta name="author" content="Jana Dvořáková">
<meta property="article:published_time" content="2025-04-17T09:30:00+02:00">
<meta name="viewport" content="width=device-width, initial-scale=1">
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
<style>body {{ font-family: Georgia, serif; }} nav a {{ margin: 0 4px; }}</style>
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/science">Science</a>
<a href="/sport">Sport</a> <a href="/subscribe">Subscribe for 1 euro a week</a></nav></header>
<main><article>
<h1>{ARTICLE_TITLE}</h1>
<p class="byline">By Jana Dvořáková · <time datetime="2025-04-17">17 April 2025</time></p>
<p>{ARTICLE_FACT} during the spring census, the highest number since records began in 1992,
the Czech Otter Trust said on Thursday.</p>
<p>The count, which ran over three weekends in March, covered 430 kilometres of riverbank between the
Lipno reservoir and the river's mouth at Mělník. Teams looked for tracks, spraints and holts rather than
the animals themselves, which are shy and mostly active at night.</p>
<p>"Twenty years ago we found fewer than a hundred," said trust director Pavel Novák. "Cleaner water and
the fish ladders built at the weirs have made the difference." The trust warned that road traffic still
kills dozens of otters every year, and asked the regional councils for more tunnels under the roads.</p>
</article></main>
<aside><h3>Most read</h3><ul><li><a href="/a">Tram fares to rise</a></li><li><a href="/b">New bridge opens</a></li></ul></aside>
<footer><p>© 2025 The Riverside Gazette. All rights reserved.</p></footer>
<script src="/static/app.js"></script>
</body></html>
"""
# A section front: headlines and links, no article text
INDEX_PAGE = """<!DOCTYPE html><html><head><title>World news | The Riverside Gazette</title></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<ul><li><a href="/1">Tram fares to rise</a></li><li><a href="/2">New bridge opens</a></li>
<li><a href="/3">Weather: rain</a></li></ul><footer>© 2025</footer></body></html>
"""
CANONICAL = "https://news.example.org/science/otters"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PAGES = {
    "/science/otter-census": ("text/html; charset=utf-8", ARTICLE.encode("utf-8")),
    "/canonical": ("text/html", ARTICLE.replace("<head>", f'<head><link rel="canonical" href="{CANONICAL}">').encode()),
    "/world": ("text/html", INDEX_PAGE.encode()),
    "/report.pdf": ("application/pdf", PDF),
}
REDIRECTS = {"/short/otters": "/science/otter-census"}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.hits.append(self.path)
        redirects = {**REDIRECTS, **self.server.redirects}
        if self.path in redirects:
            self.send_response(301)
            self.send_header("Location", redirects[self.path])
            self.end_headers()
            return
        if self.path not in PAGES:
            self.send_error(404, "Not Found")
            return
        kind, body = PAGES[self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output clean
        pass


@contextmanager
def news_site(host: str = "127.0.0.1", redirects: dict[str, str] | None = None):
    """Serve the pages on a free port of `host` (loopback); yields the base URL ("http://HOST:PORT") and the
    server, whose `hits` lists the paths asked for. `redirects` adds {path: absolute URL} redirects."""
    server = http.server.ThreadingHTTPServer((host, 0), _Handler)
    server.hits = []
    server.redirects = dict(redirects or {})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()
