"""import_articles and tracker.importing: .txt and .json files in, articles (or clear refusals) out."""

import hashlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tracker import importing
from tracker.models import Article, Outlet

SEEDS = Path(__file__).resolve().parent.parent / "tracker" / "demo" / "seeds"
AP_SEED = SEEDS / "002_21ee030439fe577d.txt"


def run(*args, **options):
    """Run import_articles; return (stdout, stderr, the CommandError raised or None)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_articles", *map(str, args), stdout=out, stderr=err, **options)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def write(path: Path, content) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


@pytest.mark.django_db
class ImportTextFilesTests:
    def test_it_imports_the_seed_files_with_their_titles_and_bodies(self):
        out, err, failure = run(SEEDS)

        assert failure is None and err == ""
        assert Article.objects.count() == 3
        titles = set(Article.objects.values_list("title", flat=True))
        assert titles == {
            "WP: NATO countries are not ready to send their Patriot systems to Ukraine",
            "NATO to help buy 1,000 Patriot missiles to defend allies as Russia ramps up air assault on Ukraine",
            "West ‘not ready’ to shoot down Russian missiles – Zelensky",
        }
        ap = Article.objects.get(title__startswith="NATO to help buy")
        assert ap.body.startswith("Volunteers and residents clear debris")
        assert ap.body.endswith("Recommended Videos")
        assert "NATO to help buy 1,000" not in ap.body
        rt = Article.objects.get(title__startswith="West")
        assert rt.body.startswith("3 Oct, 2024 16:34 / Updated 1 month ago\n")
        inosmi = Article.objects.get(title__startswith="WP:")
        assert inosmi.body.startswith("Ukraine intends to receive new American Patriot")
        for article in Article.objects.all():
            assert "\r" not in article.body
            assert article.body_sha256 == hashlib.sha256(article.body.encode()).hexdigest()
            assert f"imported as article {article.pk}: “{article.title}”" in out
        assert "3 imported, 0 skipped (already stored), 0 file(s) failed." in out

    def test_the_body_is_the_file_without_its_title_line(self):
        run(AP_SEED)

        text = AP_SEED.read_text(encoding="utf-8")
        title, rest = text.split("\n", 1)
        article = Article.objects.get()
        assert article.title == title
        assert article.body == rest.strip()

    def test_a_second_run_skips_what_is_stored(self):
        run(SEEDS)
        ids = {a.title: a.pk for a in Article.objects.all()}

        out, err, failure = run(SEEDS)

        assert failure is None
        assert Article.objects.count() == 3
        for title, pk in ids.items():
            assert f"skipped: already stored as article {pk} (“{title}”)" in out
        assert "0 imported, 3 skipped (already stored), 0 file(s) failed." in out

    def test_crlf_and_a_bom_store_the_same_text_as_lf(self, tmp_path):
        lf = write(tmp_path / "lf.txt", "Headline\n\nFirst paragraph.\nSecond paragraph.\n")
        crlf = write(tmp_path / "crlf.txt", "\ufeffHeadline\r\n\r\nFirst paragraph.\r\nSecond paragraph.\r\n".encode())

        out, _, failure = run(crlf, lf)

        assert failure is None
        article = Article.objects.get()
        assert article.title == "Headline"
        assert article.body == "First paragraph.\nSecond paragraph."
        assert f"lf.txt: skipped: already stored as article {article.pk}" in out

    def test_outlet_language_and_url_options_fill_in_the_article(self, tmp_path):
        path = write(tmp_path / "story.txt", "Заголовок\n\nТекст статьи.")

        _, _, failure = run(path, outlet="InoSMI", language="ru", url="https://inosmi.ru/example.html")

        assert failure is None
        article = Article.objects.get()
        assert (article.outlet.name, article.language, article.url) == (
            "InoSMI",
            "ru",
            "https://inosmi.ru/example.html",
        )

    def test_an_existing_outlet_is_reused_whatever_its_case(self, tmp_path):
        outlet = Outlet.objects.create(name="RT", domain="rt.com")
        path = write(tmp_path / "story.txt", "Headline\nText.")

        run(path, outlet="rt")

        assert Article.objects.get().outlet == outlet
        assert Outlet.objects.count() == 1

    def test_url_with_several_files_is_refused_before_anything_is_read(self, tmp_path):
        with pytest.raises(CommandError, match="exactly one file"):
            call_command("import_articles", str(SEEDS), url="https://example.org/a", stdout=StringIO())
        assert Article.objects.count() == 0

    def test_a_bad_language_option_is_refused(self):
        with pytest.raises(CommandError, match="BCP 47"):
            call_command("import_articles", str(AP_SEED), language="english please", stdout=StringIO())
        assert Article.objects.count() == 0

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"", "The file is empty."),
            (b"  \n\n \t\n", "The file is empty."),
            (b"Only a headline\n\n   \n", "only a title line and no article text"),
            (b"Headline\n\x00\x01binary", "NUL bytes"),
            (("A" * 600 + "\nText").encode(), "at most 500"),
        ],
    )
    def test_a_bad_text_file_fails_with_a_clear_message_and_writes_nothing(self, tmp_path, content, message):
        path = write(tmp_path / "bad.txt", content)

        out, err, failure = run(path)

        assert failure is not None
        assert str(failure) == "0 imported, 0 skipped (already stored), 1 file(s) failed."
        assert f"{path}: FAILED:" in err and message in err
        assert "Nothing from this file was saved." in err
        assert Article.objects.count() == 0 and Outlet.objects.count() == 0

    def test_a_text_file_in_a_legacy_encoding_is_detected(self, tmp_path):
        text = "Киев сообщил об атаке\nПо словам военных, ночью над Киевом были сбиты 12 ракет и 20 беспилотников."
        path = write(tmp_path / "cp1251.txt", text.encode("cp1251"))

        run(path)

        article = Article.objects.get()
        assert article.title == "Киев сообщил об атаке" and article.body.startswith("По словам военных")

    def test_missing_paths_and_other_file_types_fail(self, tmp_path):
        other = write(tmp_path / "story.pdf", b"%PDF-1.4")

        _, err, failure = run(tmp_path / "nowhere.txt", other)

        assert failure is not None
        assert "nowhere.txt: FAILED: no such file or directory." in err
        assert "story.pdf: FAILED: “.pdf” files cannot be imported; use .txt or .json." in err


@pytest.mark.django_db
class ImportJsonFilesTests:
    def test_it_imports_articles_with_their_fields_and_links(self, tmp_path):
        original = {
            "title": "Ukraine seeks more Patriots",
            "body": "The original story.",
            "url": "https://www.washingtonpost.com/example",
            "authors": ["Isobel Koshiw", "Ellen Francis"],
            "published_at": "2025-05-26",
            "language": "en",
            "outlet": {"name": "The Washington Post", "domain": "WashingtonPost.com", "country": "us"},
        }
        translation = {
            "title": "WP: NATO countries are not ready",
            "body": "Перевод статьи.",
            "language": "ru",
            "outlet": "InoSMI",
            "published_at": "2025-05-27T10:15:00+03:00",
            "translation_of": "https://www.washingtonpost.com/example",
            "republished_from": "https://www.washingtonpost.com/example",
        }
        path = write(tmp_path / "articles.json", [original, translation])

        out, err, failure = run(path)

        assert failure is None, err
        wp = Article.objects.get(url="https://www.washingtonpost.com/example")
        assert wp.authors == ["Isobel Koshiw", "Ellen Francis"]
        assert wp.published_at.isoformat() == "2025-05-26T12:00:00+00:00"
        assert (wp.outlet.name, wp.outlet.domain, wp.outlet.country) == (
            "The Washington Post",
            "washingtonpost.com",
            "US",
        )
        inosmi = Article.objects.get(title="WP: NATO countries are not ready")
        assert inosmi.translation_of == wp and inosmi.republished_from == wp
        assert inosmi.language == "ru" and inosmi.outlet.name == "InoSMI"
        assert inosmi.published_at.isoformat() == "2025-05-27T07:15:00+00:00"
        assert "2 imported" in out

    def test_a_single_object_and_a_link_by_id_work(self, tmp_path):
        run(AP_SEED)
        stored = Article.objects.get()
        document = {"title": "Follow-up", "body": "More text.", "republished_from": stored.pk}
        path = write(tmp_path / "one.json", document)

        _, err, failure = run(path)

        assert failure is None, err
        assert Article.objects.get(title="Follow-up").republished_from == stored

    def test_reimporting_a_json_file_skips_its_articles(self, tmp_path):
        path = write(tmp_path / "one.json", {"title": "Headline", "body": "Body text."})
        run(path)

        out, _, failure = run(path)

        assert failure is None
        assert Article.objects.count() == 1
        assert f"skipped: already stored as article {Article.objects.get().pk}" in out

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ('{"title": "A", "body": ', "not valid JSON"),
            ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
            ('"just a string"', "it holds a string"),
            ("[]", "empty list"),
            ("[1, 2]", "must be a JSON object"),
            ({"title": 5, "body": "x"}, "(title): must be a string, not a number."),
            ({"title": "A"}, "(body): is required"),
            ({"title": "A", "body": "x", "summary": "?"}, "unknown field(s) 'summary'"),
            ({"title": "A", "body": "x", "published_at": "yesterday"}, "(published_at): “yesterday” is not an ISO"),
            ({"title": "A", "body": "x", "published_at": "2024-02-30"}, "is not an ISO 8601 date"),
            ('{"title": "A", "body": "x", "translation_of": 1' + "0" * 40 + "}", "number too large"),
            ({"title": "A", "body": "x", "translation_of": 2**63}, "is not an article id"),
            ({"title": "A", "body": "x", "translation_of": 987654}, "no stored article with id 987654"),
            ({"title": "A", "body": "x", "translation_of": True}, "must be the id or the URL"),
            ({"title": "A", "body": "x", "url": "ftp://example.org/a"}, "is not an http:// or https:// address"),
            ({"title": "A", "body": "x", "authors": "Ann Author"}, "(authors): must be a list of names"),
            ({"title": "A", "body": "x", "authors": ["Ann", 7]}, "(authors[2]): must be a string"),
            ({"title": "A", "body": "x", "language": "English"}, "not a BCP 47 language tag"),
            ({"title": "A", "body": "x", "outlet": {"name": "X", "owner": "Y"}}, "unknown field(s) 'owner'"),
            ({"title": "A", "body": "x", "outlet": {"name": "X", "country": "USA"}}, "two-letter ISO 3166"),
            ({"title": "A", "body": "x", "outlet": 3}, "must be an outlet's name"),
            ({"title": "A\u0000B", "body": "x"}, "NUL character"),
            ('{"title": "A", "body": "x", "extra": NaN}', "not valid JSON"),
            (b'{"title": "Caf\xe9", "body": "x"}', "not UTF-8 text"),
        ],
    )
    def test_bad_json_fails_with_a_clear_message_and_writes_nothing(self, tmp_path, content, message):
        path = write(tmp_path / "bad.json", content)

        _, err, failure = run(path)

        assert failure is not None
        assert message in err, err
        assert "Traceback" not in err
        assert Article.objects.count() == 0 and Outlet.objects.count() == 0

    def test_one_bad_article_leaves_nothing_from_its_file(self, tmp_path):
        good = {"title": "Fine", "body": "Fine text.", "outlet": {"name": "New Outlet", "domain": "new.example"}}
        bad = {"title": "Broken", "body": "Other text.", "url": "not a url"}
        path = write(tmp_path / "two.json", [good, bad])

        _, err, failure = run(path)

        assert failure is not None
        assert "Article 2 (url): “not a url” is not an http:// or https:// address." in err
        assert Article.objects.count() == 0
        assert Outlet.objects.count() == 0

    def test_a_mixed_run_imports_the_good_files_and_reports_the_bad_one(self, tmp_path):
        write(tmp_path / "a_good.txt", "Good headline\n\nGood text.")
        write(tmp_path / "b_bad.json", {"title": "Bad", "body": "x", "published_at": "31/12/2024"})
        write(tmp_path / "c_good.json", {"title": "Also good", "body": "More good text."})
        write(tmp_path / "notes.md", "ignored: not an article file")

        out, err, failure = run(tmp_path)

        assert failure is not None and str(failure) == "2 imported, 0 skipped (already stored), 1 file(s) failed."
        assert set(Article.objects.values_list("title", flat=True)) == {"Good headline", "Also good"}
        assert "b_bad.json: FAILED: The article (published_at): “31/12/2024” is not an ISO 8601 date" in err
        assert "a_good.txt: imported as article" in out and "c_good.json: imported as article" in out
        assert "notes.md" not in out + err


class ParseTextDocumentTests:
    def test_it_returns_title_and_body_without_leading_blank_lines(self):
        parsed = importing.parse_text_document("\n\n  Title here  \n\n\nBody line 1\nBody line 2\n")

        assert parsed == {"title": "Title here", "body": "Body line 1\nBody line 2"}

    def test_it_accepts_str_and_bytes_alike(self):
        text = "Title\r\nBody"
        assert importing.parse_text_document(text) == importing.parse_text_document(text.encode())

    def test_errors_carry_the_file_name(self):
        with pytest.raises(importing.ImportFileError) as caught:
            importing.parse_text_document(b"", name="empty.txt")

        assert caught.value.name == "empty.txt"
        assert str(caught.value) == "The file is empty."


class ParseJsonDocumentTests:
    def test_it_returns_validated_fields(self):
        documents = importing.parse_json_document(
            b'{"title": " A  title ", "body": "Text\\r\\nmore", "authors": [" Ann  Author "], "outlet": "AP"}'
        )

        assert documents == [
            {
                "title": "A title",
                "body": "Text\nmore",
                "authors": ["Ann Author"],
                "outlet": {"name": "AP", "domain": "", "country": "", "language": ""},
            }
        ]

    def test_a_byte_order_mark_is_fine(self):
        documents = importing.parse_json_document('\ufeff{"title": "A", "body": "B"}'.encode())

        assert documents == [{"title": "A", "body": "B"}]

    def test_a_float_where_an_id_belongs_is_refused(self):
        with pytest.raises(importing.ImportFileError, match="must be the id or the URL"):
            importing.parse_json_document(b'{"title": "A", "body": "B", "translation_of": 1e999}')

    def test_a_large_file_is_refused(self):
        with pytest.raises(importing.ImportFileError, match="may be at most 5 MB"):
            importing.parse_json_document(b" " * (importing.MAX_FILE_BYTES + 1))
