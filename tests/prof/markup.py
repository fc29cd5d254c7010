"""markup.py — is this SVG/HTML well-formed? For ohm-prof's tests (standard library only).

check_svg(text): parses as XML (xml.etree), root <svg>; returns the root element.
check_html(text): every tag that needs closing is closed in order (html.parser, void
elements excepted), no stray '<\\/' outside scripts, and the page's
<script id="ohm-data" type="application/json"> parses as JSON; returns that JSON.
Each raises ValueError saying what is wrong and where.
"""
import html.parser
import json
import xml.etree.ElementTree as ET

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}
# SVG's elements inside HTML may close themselves (<line/>): html.parser reports them
# through handle_startendtag


def check_svg(text):
    try:
        root = ET.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
    except ET.ParseError as e:
        raise ValueError("SVG is not well-formed XML: %s" % e)
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        raise ValueError("root element is %s, not svg" % root.tag)
    return root


class _Checker(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.data = None
        self.in_data = False
        self.errors = []
        self.seen = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.seen.add(tag)
        if tag == "script" and a.get("id") == "ohm-data":
            self.in_data = True
            self.data = ""
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self.seen.add(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack:
            self.errors.append("line %d: </%s> closes nothing" % (self.getpos()[0], tag))
            return
        top, pos = self.stack.pop()
        if top != tag:
            self.errors.append("line %d: </%s> closes <%s> of line %d" % (self.getpos()[0], tag, top, pos[0]))
        if tag == "script":
            self.in_data = False

    def handle_data(self, data):
        if self.in_data:
            self.data += data
        elif self.stack and self.stack[-1][0] in ("script", "style"):
            pass
        elif "<\\/" in data:
            self.errors.append("line %d: a script's escaped '<\\/' in the page's text" % self.getpos()[0])


def check_html(text):
    c = _Checker()
    c.feed(text)
    c.close()
    if c.stack:
        c.errors.append("unclosed: " + ", ".join("<%s> of line %d" % (t, p[0]) for t, p in c.stack))
    for need in ("html", "head", "body", "title"):
        if need not in c.seen:
            c.errors.append("no <%s>" % need)
    if c.errors:
        raise ValueError("HTML is not well-formed: " + "; ".join(c.errors[:5]))
    if c.data is None:
        raise ValueError('no <script id="ohm-data"> in the page')
    try:
        return json.loads(c.data)
    except ValueError as e:
        raise ValueError("the page's data is not JSON: %s" % e)
