"""Anchoring quotes in article bodies (tracker.reading.anchoring) and re-anchoring after a body changes."""

from __future__ import annotations

import hashlib
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ArticleFactory, make_claim
from tracker import articles, claims
from tracker.models import Appearance, Article
from tracker.reading import anchoring
from tracker.reading.anchoring import (
    AnchorError,
    InvalidText,
    QuoteAmbiguous,
    QuoteNotFound,
    StartMismatch,
    anchor_quote,
    normalise_body,
)

BODY = (
    "Secretary of State Marco Rubio said the United States does not have spare Patriot systems. "
    "NATO announced Wednesday that it would help buy up to 1,000 Patriot missiles."
)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AnchorQuoteTests:
    def test_unique_quote_is_anchored_with_context(self):
        anchor = anchor_quote(BODY, "NATO announced Wednesday")
        assert (anchor.start, anchor.end) == (91, 115)
        assert BODY[anchor.start : anchor.end] == "NATO announced Wednesday"
        assert anchor.prefix == "not have spare Patriot systems. "
        assert anchor.suffix == " that it would help buy up to 1,"
        assert len(anchor.prefix) == len(anchor.suffix) == anchoring.CONTEXT_LENGTH

    def test_repeated_quote_is_ambiguous_and_lists_starts(self):
        with pytest.raises(QuoteAmbiguous) as caught:
            anchor_quote(BODY, "Patriot")
        assert caught.value.starts == [74, 151]
        assert "2 times" in str(caught.value)
        assert "74, 151" in str(caught.value)
        assert "start" in str(caught.value)

    def test_repeated_quote_with_start_picks_that_one(self):
        anchor = anchor_quote(BODY, "Patriot", start=151)
        assert (anchor.start, anchor.end) == (151, 158)
        assert anchor.suffix == " missiles."

    def test_absent_quote_is_not_found(self):
        with pytest.raises(QuoteNotFound) as caught:
            anchor_quote(BODY, "Patriot batteries")
        assert "does not occur" in str(caught.value)

    def test_quote_is_case_sensitive(self):
        with pytest.raises(QuoteNotFound):
            anchor_quote(BODY, "nato announced")

    def test_wrong_start_is_refused_naming_the_real_places(self):
        with pytest.raises(StartMismatch) as caught:
            anchor_quote(BODY, "Patriot", start=75)
        assert "at 75 does not match" in str(caught.value)
        assert "occurs at 74, 151" in str(caught.value)

    def test_wrong_start_for_an_absent_quote_says_so(self):
        with pytest.raises(StartMismatch) as caught:
            anchor_quote(BODY, "Patriot batteries", start=74)
        assert "does not occur" in str(caught.value)

    @pytest.mark.parametrize("start", [-1, len(BODY) + 1, 10**20])
    def test_start_out_of_range_is_refused(self, start):
        with pytest.raises(StartMismatch) as caught:
            anchor_quote(BODY, "NATO", start=start)
        assert f"outside the article text (0 to {len(BODY)})" in str(caught.value)

    def test_start_at_the_very_end_is_a_mismatch(self):
        with pytest.raises(StartMismatch):
            anchor_quote(BODY, "missiles.", start=len(BODY))

    @pytest.mark.parametrize("start", [True, "91", 91.0])
    def test_start_must_be_a_whole_number(self, start):
        with pytest.raises(AnchorError) as caught:
            anchor_quote(BODY, "NATO", start=start)
        assert "whole number" in str(caught.value)

    @pytest.mark.parametrize("quote", ["", "   ", "\n"])
    def test_empty_quote_is_refused(self, quote):
        with pytest.raises(AnchorError) as caught:
            anchor_quote(BODY, quote)
        assert "empty" in str(caught.value)

    @pytest.mark.parametrize("quote", [None, 42, ["NATO"]])
    def test_quote_must_be_text(self, quote):
        with pytest.raises(AnchorError):
            anchor_quote(BODY, quote)

    def test_nul_in_quote_is_refused(self):
        with pytest.raises(InvalidText) as caught:
            anchor_quote(BODY, "NATO\x00 announced")
        assert "NUL" in str(caught.value)

    def test_cyrillic_without_precomposed_form_stays_two_code_points(self):
        # NFC has no single code point for Cyrillic е with an acute accent.
        body = normalise_body("Кафе\u0301 закрыто")
        assert len(body) == 13
        anchor = anchor_quote(body, "закрыто")
        assert (anchor.start, anchor.end) == (6, 13)
        assert anchor.prefix == "Кафе\u0301 "

    def test_lone_surrogate_is_refused(self):
        with pytest.raises(InvalidText):
            anchor_quote(BODY, "NATO \ud800")

    def test_cyrillic_and_emoji_offsets_count_code_points(self):
        body = "Рубио 🚀 сказал: «ракет нет»."
        anchor = anchor_quote(body, "ракет нет")
        # One code point for the rocket: a UTF-16 count would say 18, UTF-8 bytes far more.
        assert (anchor.start, anchor.end) == (17, 26)
        assert body[anchor.start : anchor.end] == "ракет нет"
        assert anchor.prefix == "Рубио 🚀 сказал: «"
        assert anchor.suffix == "»."

    def test_emoji_quote_and_start(self):
        body = "Launch 🚀🚀 twice, then 🚀 once."
        with pytest.raises(QuoteAmbiguous) as caught:
            anchor_quote(body, "🚀")
        assert caught.value.starts == [7, 8, 22]
        anchor = anchor_quote(body, "🚀 once", start=22)
        assert (anchor.start, anchor.end) == (22, 28)

    def test_long_cyrillic_context_is_32_code_points(self):
        body = "Ж" * 50 + "цитата" + "Щ" * 50
        anchor = anchor_quote(body, "цитата")
        assert (anchor.start, anchor.end) == (50, 56)
        assert anchor.prefix == "Ж" * 32
        assert anchor.suffix == "Щ" * 32

    @pytest.mark.parametrize(
        ("quote", "prefix", "suffix"),
        [("Secretary", "", " of State Marco Rubio said the U"), ("missiles.", "ld help buy up to 1,000 Patriot ", "")],
    )
    def test_context_at_the_edges_is_shorter(self, quote, prefix, suffix):
        anchor = anchor_quote(BODY, quote)
        assert (anchor.prefix, anchor.suffix) == (prefix, suffix)

    def test_overlapping_occurrences_are_all_counted(self):
        with pytest.raises(QuoteAmbiguous) as caught:
            anchor_quote("abababa", "aba")
        assert caught.value.starts == [0, 2, 4]
        anchor = anchor_quote("abababa", "aba", start=2)
        assert (anchor.start, anchor.end, anchor.prefix, anchor.suffix) == (2, 5, "ab", "ba")

    def test_many_occurrences_are_listed_up_to_ten(self):
        with pytest.raises(QuoteAmbiguous) as caught:
            anchor_quote("x " * 30, "x")
        assert len(caught.value.starts) == 30
        assert "30 times" in str(caught.value)
        assert "0, 2, 4, 6, 8, 10, 12, 14, 16, 18)" in str(caught.value)


class NormalisationTests:
    def test_crlf_body_is_stored_with_newlines(self):
        assert normalise_body("One.\r\nTwo.\r\n") == "One.\nTwo."

    def test_lone_cr_becomes_newline(self):
        assert normalise_body("One.\rTwo.\r\rThree.") == "One.\nTwo.\n\nThree."

    def test_crlf_quote_in_crlf_body_counts_offsets_after_normalisation(self):
        body = 'Line one.\r\nLine two: "no spare Patriots".\r\n'
        anchor = anchor_quote(body, "one.\r\nLine two")
        assert (anchor.start, anchor.end) == (5, 18)
        assert anchor.quote == "one.\nLine two"
        anchor = anchor_quote(body, "no spare Patriots")
        assert (anchor.start, anchor.end) == (21, 38)
        assert anchor.prefix == 'Line one.\nLine two: "'

    def test_cr_only_body(self):
        anchor = anchor_quote("First.\rSecond quote.", "Second")
        assert (anchor.start, anchor.end, anchor.prefix) == (7, 13, "First.\n")

    @pytest.mark.django_db
    def test_article_body_is_normalised_and_hashed_after_normalisation(self):
        crlf = ArticleFactory(body="\ufeffHeadline\r\n\r\nCafe\u0301 «🚀» said\r\nmore.\r\n")
        expected = "Headline\n\nCaf\u00e9 «🚀» said\nmore."
        assert crlf.body == expected
        assert crlf.body_sha256 == sha256_hex(expected)
        stored = Article.objects.get(pk=crlf.pk)
        assert stored.body == expected
        anchor = anchor_quote(stored.body, "said\r\nmore")
        assert (anchor.start, anchor.end) == (19, 28)
        assert stored.body[anchor.start : anchor.end] == "said\nmore"

    def test_decomposed_input_is_composed(self):
        decomposed = "Cafe\u0301 owner said prices rose."
        assert unicodedata.is_normalized("NFD", decomposed)
        body = normalise_body(decomposed)
        assert body == "Café owner said prices rose."
        assert len(body) == len(decomposed) - 1
        # Quotes match whether they arrive composed or decomposed.
        assert anchor_quote(decomposed, "Cafe\u0301 owner").end == 10
        assert anchor_quote(body, "Café owner").end == 10
        anchor = anchor_quote(body, "owner")
        assert (anchor.start, anchor.end) == (5, 10)

    def test_offsets_count_in_the_stored_body_without_surrounding_blank_space(self):
        raw = "\r\n\n  Lead. Quote.\n"
        anchor = anchor_quote(raw, "Quote")
        assert (anchor.start, anchor.end) == (6, 11)
        assert normalise_body(raw)[anchor.start : anchor.end] == "Quote"

    def test_byte_order_mark_is_dropped(self):
        assert normalise_body("\ufeffHello world") == "Hello world"
        anchor = anchor_quote("\ufeffHello world", "world")
        assert (anchor.start, anchor.end) == (6, 11)

    def test_nul_body_is_refused(self):
        with pytest.raises(InvalidText):
            normalise_body("Text with a \x00 byte.")

    @pytest.mark.django_db
    def test_nul_body_import_is_a_validation_error_and_writes_nothing(self):
        with pytest.raises(ValidationError) as caught:
            articles.import_article(title="Broken", body="Text with a \x00 byte.")
        assert "NUL" in caught.value.message_dict["body"][0]
        assert not Article.objects.exists()


class ArticleReanchorTests:
    @pytest.mark.django_db
    def test_body_edit_moves_the_appearance(self, editor):
        claim = make_claim(by=editor)
        appearance = claim.appearances.get()
        article = appearance.article
        article.body = "Updated 1 month ago\r\n\r\n" + article.body
        article._history_user = editor
        article.save()
        appearance.refresh_from_db()
        assert appearance.anchor_state == Appearance.AnchorState.MOVED
        assert (appearance.start, appearance.end) == (91 + 21, 115 + 21)
        assert article.body[appearance.start : appearance.end] == appearance.quote
        assert appearance.prefix == article.body[appearance.start - 32 : appearance.start]
        record = appearance.history.latest()
        assert record.history_user == editor
        assert record.anchor_state == "moved"

    @pytest.mark.django_db
    def test_body_edit_removing_the_quote_orphans_it(self, editor):
        claim = make_claim(by=editor)
        appearance = claim.appearances.get()
        article = appearance.article
        article.body = article.body.replace("NATO announced Wednesday", "The alliance said")
        article.save()
        appearance.refresh_from_db()
        assert appearance.anchor_state == Appearance.AnchorState.ORPHANED
        assert (appearance.start, appearance.end) == (91, 115)

    @pytest.mark.django_db
    def test_edit_elsewhere_keeps_it_anchored_without_a_history_record(self, editor):
        claim = make_claim(by=editor)
        appearance = claim.appearances.get()
        records = appearance.history.count()
        article = appearance.article
        article.body = article.body + " More to follow."
        article.save()
        appearance.refresh_from_db()
        assert appearance.anchor_state == Appearance.AnchorState.ANCHORED
        assert (appearance.start, appearance.end) == (91, 115)
        assert appearance.history.count() == records

    @pytest.mark.django_db
    def test_failed_reanchoring_keeps_the_old_text(self, editor, monkeypatch):
        claim = make_claim(by=editor)
        article = claim.appearances.get().article
        old_body = article.body

        def broken(self, *args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(Appearance, "save", broken)
        article.body = "Updated 1 month ago. " + old_body
        with pytest.raises(RuntimeError):
            article.save()
        assert Article.objects.get(pk=article.pk).body == old_body

    @pytest.mark.django_db
    def test_two_appearances_of_one_quote_never_collide(self, editor):
        article = ArticleFactory(body="He said: no. She said: no.")
        claim = claims.log_claim(
            claims.ClaimInput(
                text="Both said no.",
                appearances=[
                    claims.AppearanceInput(article=article, quote="said: no", start=3),
                    claims.AppearanceInput(article=article, quote="said: no", start=17),
                ],
            ),
            by=editor,
        )
        # The first sentence goes; both look for the one left, and the one
        # whose context matches it better (hers) gets it.
        article.body = "She said: no."
        article.save()
        states = sorted(
            (a.anchor_state, a.start) for a in Appearance.objects.filter(claim=claim).order_by("start", "id")
        )
        assert states == [("moved", 4), ("orphaned", 3)]


class AnchorPropertyTests:
    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        raw=st.text(alphabet="ab \n\r\t.ЖжЯ🚀🙂é-", min_size=1, max_size=80),
        data=st.data(),
    )
    def test_anchor_finds_any_slice(self, raw, data):
        body = normalise_body(raw)
        if not body:
            return
        i = data.draw(st.integers(0, len(body) - 1))
        j = data.draw(st.integers(i + 1, len(body)))
        quote = body[i:j]
        if not quote.strip():
            return
        anchor = anchor_quote(body, quote, start=i)
        assert (anchor.start, anchor.end) == (i, j)
        assert body[anchor.start : anchor.end] == quote
        assert anchor.prefix == body[max(0, i - 32) : i]
        assert anchor.suffix == body[j : j + 32]
        starts = anchoring.occurrences(body, quote)
        if len(starts) == 1:
            assert anchor_quote(body, quote).start == i
        else:
            with pytest.raises(QuoteAmbiguous) as caught:
                anchor_quote(body, quote)
            assert i in caught.value.starts


class ShownContextTests:
    BODY = "Russian strikes knocked out power to the radio stations until the evening, officials said on Monday."

    def test_context_is_cut_at_word_boundaries(self):
        start = self.BODY.index("until")
        around = anchoring.shown_context(self.BODY, start, start + len("until the evening"), length=20)
        assert around.before == "the radio stations "  # not "e radio stations"
        assert around.after == ", officials said on"
        assert around.more_before and around.more_after

    def test_context_reaching_the_edges_of_the_text_has_no_ellipsis(self):
        around = anchoring.shown_context(self.BODY, 8, 15, length=200)
        assert around.before == "Russian "
        assert around.after.endswith("on Monday.")
        assert not around.more_before and not around.more_after

    def test_a_window_that_falls_on_a_space_keeps_the_whole_word(self):
        start = self.BODY.index("stations")
        around = anchoring.shown_context(self.BODY, start, start + 8, length=len("the radio "))
        assert around.before == "the radio "

    def test_text_without_spaces_is_not_emptied(self):
        body = "北约宣布将帮助购买多达一千枚爱国者导弹以加强防空能力"
        around = anchoring.shown_context(body, 10, 12, length=4)
        assert around.before == body[6:10] and around.after == body[12:16]

    @pytest.mark.django_db
    def test_an_orphaned_quote_shows_its_stored_context_without_partial_words(self):
        article = ArticleFactory(body=self.BODY)
        claim = make_claim(article=article, quote="until the evening")
        appearance = claim.appearances.get()
        assert len(appearance.prefix) == anchoring.CONTEXT_LENGTH
        appearance.anchor_state = Appearance.AnchorState.ORPHANED
        around = appearance.shown_context
        assert around.before == "power to the radio stations "  # "out" may be the end of a word: dropped
        assert around.more_before
