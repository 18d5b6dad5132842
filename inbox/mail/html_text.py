"""HTML mail made safe to show (nh3) and readable as text (for HTML-only mail)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "div",
        "dl",
        "dt",
        "dd",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    ]
)
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript", "svg"})
_SPACES = re.compile(r"[ \t\u00a0\u200b]+")
_BLANK_LINES = re.compile(r"\n{3,}")

# Links may only point somewhere harmless; cid: lets inline images resolve in the UI.
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}

# The sanitizer's HTML parser costs more than linearly in nesting depth (100,000
# nested <div>: two minutes); no real mail nests anywhere near this deep, and
# browsers themselves stop nesting at 512. Tags deeper than this are dropped (their
# text is kept) before the sanitizer sees the HTML.
MAX_HTML_DEPTH = 200
# Not [^>]*: an unclosed "<a" repeated would make each match scan to the end.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*>")
_VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)


def limit_nesting(html: str, max_depth: int = MAX_HTML_DEPTH) -> str:
    """The HTML with every tag nested deeper than `max_depth` taken out (text kept).

    A fast approximation of the parser's nesting, in one pass: it only ever removes
    tags, so what it returns still goes through the sanitizer."""
    depth = 0
    dropped: dict[str, int] = {}  # open tags taken out, by name, to drop their ends too
    out: list[str] = []
    last = 0
    for match in _TAG.finditer(html):
        closing, name = match.group(1), match.group(2).lower()
        if name in _VOID_TAGS or match.group(0).endswith("/>"):
            continue
        if closing:
            if dropped.get(name):
                dropped[name] -= 1
            else:
                depth = max(0, depth - 1)
                continue
        elif depth < max_depth:
            depth += 1
            continue
        else:
            dropped[name] = dropped.get(name, 0) + 1
        out.append(html[last : match.start()])
        last = match.end()
    if not out:
        return html
    out.append(html[last:])
    return "".join(out)


def sanitize_html(html: str) -> str:
    """Strip scripts, event handlers, styles and dangerous URLs; keep the structure."""
    return nh3.clean(
        limit_nesting(html),
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def sanitize_for_display(html: str) -> tuple[str, int]:
    """Mail HTML made safe to show, in one pass, done once at ingest and stored: no
    scripts or dangerous URLs, nesting bounded, and no image that would reach the
    network (tracking pixels); with how many such images were taken out."""
    return without_remote_images(limit_nesting(html), data_images=False)


def without_remote_images(html: str, data_images: bool = True) -> tuple[str, int]:
    """The sanitized HTML with every image address that would reach the network removed
    (tracking pixels), and how many were removed. The frame's Content-Security-Policy
    blocks them as well; this holds even where a proxy drops that header."""
    removed = 0

    def keep_local(element: str, attribute: str, value: str) -> str | None:
        nonlocal removed
        if attribute in (
            "src",
            "srcset",
            "background",
            "poster",
        ) and not value.strip().lower().startswith(("data:", "cid:")):
            removed += 1
            return None
        return value

    cleaned = nh3.clean(
        html,
        url_schemes=_URL_SCHEMES | {"data"} if data_images else _URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=keep_local,
    )
    return cleaned, removed


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "pre":
            self._pre_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag == "hr":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "pre":
            self._pre_depth = max(0, self._pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._pre_depth:
            self.parts.append(data)
        else:
            self.parts.append(_SPACES.sub(" ", data.replace("\r", " ").replace("\n", " ")))


def html_to_text(html: str) -> str:
    """Readable plain text from HTML: blocks become lines, scripts and styles vanish."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except (AssertionError, ValueError):  # HTMLParser on badly broken markup
        pass
    text = "".join(extractor.parts)
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
