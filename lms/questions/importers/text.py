"""Text helpers for importers: decoding uploads, HTML to plain text, names and category paths."""

from html.parser import HTMLParser

from lms.questions import messages as m
from lms.questions.messages import msg

# Moodle's text formats; everything not plain is treated as HTML (Moodle auto-format allows HTML).
PLAIN_FORMATS = frozenset({"plain_text", "markdown", "plain"})

DEFAULT_NAME_CHARS = 60


class UnreadableFile(ValueError):
    """The upload is not text in an encoding we read; `message` is for the user."""

    def __init__(self) -> None:
        self.message = msg(m.FILE_NOT_TEXT)
        super().__init__(self.message)


def decode_text(data: bytes | str) -> str:
    """Return the upload as text with "\\n" line ends, no BOM.

    Bytes are read as UTF-8, then as GB18030 (what Chinese Windows editors save as "ANSI");
    raises UnreadableFile when neither fits.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                data = data.decode("gb18030")
            except UnicodeDecodeError:
                raise UnreadableFile() from None
    return data.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset(
        {"br", "p", "div", "li", "tr", "table", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4"}
    )
    _HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden_depth += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, blocks and <br> as line breaks.

    Scripts and styles are dropped with their content; images, audio and links keep only their text.
    Whitespace runs collapse to one space per line and blank lines are dropped. The result is plain
    text, to be escaped like any other text when shown.
    """
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def format_text(text: str, text_format: str) -> str:
    """Plain text of a Moodle text in `text_format` (html, moodle_auto_format, plain_text, markdown)."""
    if text_format in PLAIN_FORMATS:
        return text.strip()
    return html_to_text(text)


def default_name(stem: str) -> str:
    """A question name made from its stem when the file gives none: the first line, shortened."""
    first_line = stem.strip().split("\n", 1)[0]
    if len(first_line) <= DEFAULT_NAME_CHARS:
        return first_line
    return first_line[: DEFAULT_NAME_CHARS - 1] + "…"


def normalize_category(path: str) -> str | None:
    """Moodle's category path without its context prefix: "$course$/top/Default/Sub" -> "Default/Sub".

    A leading "$...$" context segment and a following "top" are dropped, blank segments removed and
    "//" (Moodle's escape for a "/" inside a name) kept. Returns None when nothing is left.
    """
    parts = [part.strip().replace("\0", "//") for part in path.replace("//", "\0").split("/")]
    parts = [part for part in parts if part]
    if parts and parts[0].startswith("$") and parts[0].endswith("$") and len(parts[0]) > 1:
        parts = parts[1:]
        if parts and parts[0] == "top":
            parts = parts[1:]
    return "/".join(parts) or None
