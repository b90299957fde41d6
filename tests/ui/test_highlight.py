"""The reader's highlighting keeps the article text exactly and marks every claim once."""

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import highlight

TAG_RE = re.compile(r"<[^>]*>")
ALPHABET = st.sampled_from(list("ab <>&\"'\n\té€😀\u0301ж") + ["</script>", "&amp;", "<b>"])


def visible_text(rendered: str) -> str:
    return html.unescape(TAG_RE.sub("", rendered))


@st.composite
def body_and_spans(draw):
    body = "".join(draw(st.lists(ALPHABET, max_size=40)))
    length = len(body)
    spans = []
    if length:
        count = draw(st.integers(0, 6))
        for key in range(count):
            start = draw(st.integers(0, length - 1))
            end = draw(st.integers(start + 1, length))
            spans.append(
                highlight.Span(
                    key=key + 1,
                    claim=key + 100,
                    start=start,
                    end=end,
                    url=f"/claims/{key + 100}/",
                    label=f"#{key + 100}",
                    title=draw(st.text(alphabet="<>&\"' xé", max_size=8)),
                    css="st-new",
                )
            )
    return body, spans


class HighlightTests:
    @settings(max_examples=300, deadline=None)
    @given(body_and_spans())
    def test_rendered_text_equals_the_body_with_one_link_per_claim(self, case):
        body, spans = case
        rendered = str(highlight.render(body, spans))
        assert visible_text(rendered) == body
        links = re.findall(r'<a class="hl-marker[^"]*" href="/claims/(\d+)/"', rendered)
        assert sorted(links) == sorted(str(s.claim) for s in spans)
        # No raw markup from the body or the titles survives unescaped.
        assert "<script" not in rendered and "<b>" not in rendered

    @settings(max_examples=200, deadline=None)
    @given(body_and_spans())
    def test_each_segment_carries_exactly_the_claims_covering_it(self, case):
        body, spans = case
        rendered = str(highlight.render(body, spans))
        for match in re.finditer(
            r'<(span|mark) class="[^"]*" data-o="(\d+)"(?: data-claims="([\d ]*)")?[^>]*>([^<]*)<', rendered
        ):
            offset = int(match.group(2))
            text = html.unescape(match.group(4))
            assert body[offset : offset + len(text)] == text
            covering = {s.claim for s in spans if s.start <= offset and offset + len(text) <= s.end}
            shown = {int(k) for k in (match.group(3) or "").split()}
            assert shown == covering

    def test_overlapping_and_adjacent_spans_both_stay_visible(self):
        body = "alpha beta gamma"
        spans = [
            highlight.Span(1, 10, 0, 10, "/claims/10/", "#10", "New", "st-new"),  # "alpha beta"
            highlight.Span(2, 11, 6, 16, "/claims/11/", "#11", "New", "st-new"),  # "beta gamma"
            highlight.Span(3, 12, 10, 16, "/claims/12/", "#12", "New", "st-new"),  # adjacent to the first
        ]
        rendered = str(highlight.render(body, spans))
        assert '<mark class="seg hl st-new" data-o="0" data-claims="10"' in rendered
        assert 'data-o="6" data-claims="10 11"' in rendered
        assert 'data-o="10" data-claims="11 12"' in rendered
        assert visible_text(rendered) == body

    def test_article_markup_is_rendered_as_text(self):
        body = 'Quote: <script>alert("x")</script> & <img src=x onerror=alert(1)>'
        spans = [highlight.Span(1, 5, 7, 15, "/claims/5/", "#5", 'Title "<b>"', "st-new")]
        rendered = str(highlight.render(body, spans))
        assert "<script>" not in rendered and "<img" not in rendered
        assert "&lt;script&gt;" in rendered and "&lt;img src=x" in rendered
        assert visible_text(rendered) == body

    def test_spans_outside_the_body_are_ignored(self):
        rendered = str(highlight.render("short", [highlight.Span(1, 9, 3, 99, "/claims/9/", "#9", "t")]))
        assert visible_text(rendered) == "short"
        assert "hl-marker" not in rendered
