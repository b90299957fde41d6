"""import_articles stores many files in batches: constant queries per batch, history kept, order of outcomes kept."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker import importing, references
from tracker.models import Article, Outlet


def run(*args, **options):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_articles", *map(str, args), stdout=out, stderr=err, **options)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def folder(tmp_path, name, count):
    path = tmp_path / name
    path.mkdir()
    for i in range(count):
        (path / f"{i:03}.txt").write_text(f"{name} headline {i}\n\nThe text of {name} article number {i}.\n")
    return path


def queries(path, **options):
    with CaptureQueriesContext(connection) as context:
        out, err, failure = run(path, **options)
    assert failure is None, err
    return len(context.captured_queries), out


@pytest.mark.django_db
class BulkImportTests:
    def test_the_queries_do_not_grow_with_the_number_of_files(self, tmp_path):
        # Stored already, so both runs look it up once (creating it would cost a run a few more).
        Outlet.objects.create(name="Daily Bulk")
        ten, out = queries(folder(tmp_path, "ten", 10), outlet="Daily Bulk")
        assert "10 imported, 0 skipped (already stored), 0 file(s) failed." in out
        fifty, out = queries(folder(tmp_path, "fifty", 50), outlet="Daily Bulk")
        assert "50 imported, 0 skipped (already stored), 0 file(s) failed." in out
        assert fifty == ten
        # Duplicates are found by the same one query, whatever their number.
        again, out = queries(tmp_path / "fifty", outlet="Daily Bulk")
        assert "0 imported, 50 skipped (already stored), 0 file(s) failed." in out
        assert again <= ten
        assert Article.objects.filter(outlet__name="Daily Bulk").count() == 60
        assert Outlet.objects.filter(name="Daily Bulk").count() == 1

    def test_every_imported_article_has_its_creation_in_history(self, tmp_path):
        run(folder(tmp_path, "hist", 12))
        for article in Article.objects.all():
            records = list(article.history.all())
            assert [r.history_type for r in records] == ["+"]
            assert records[0].title == article.title and records[0].body == article.body

    def test_a_batch_boundary_changes_nothing_a_user_sees(self, tmp_path, monkeypatch):
        path = folder(tmp_path, "small", 7)
        (path / "003.txt").write_bytes(b"bad\x00file")
        (path / "005.txt").write_text("small headline 1 again\n\nThe text of small article number 1.\n")
        monkeypatch.setattr(importing, "IMPORT_BATCH_SIZE", 2)
        out, err, failure = run(path)
        assert failure is not None
        assert "5 imported, 1 skipped (already stored), 1 file(s) failed." in str(failure)
        assert "003.txt: FAILED: The file contains NUL bytes" in err
        lines = out.splitlines()
        assert [line.split(":")[0].rsplit("/", 1)[1] for line in lines] == [
            "000.txt",
            "001.txt",
            "002.txt",
            "004.txt",
            "005.txt",
            "006.txt",
        ]
        first = Article.objects.get(title="small headline 1")
        assert lines[4].endswith(f"skipped: already stored as article {first.pk} (“small headline 1”)")
        assert Article.objects.count() == 5

    def test_the_same_text_twice_in_one_run_is_stored_once(self, tmp_path):
        path = tmp_path / "twice"
        path.mkdir()
        (path / "a.txt").write_text("First title\n\nSame words in both files.\n")
        (path / "b.txt").write_text("Second title\n\nSame words in both files.\n")
        out, err, failure = run(path)
        assert failure is None, err
        article = Article.objects.get()
        assert article.title == "First title"
        assert f"b.txt: skipped: already stored as article {article.pk} (“First title”)" in out

    def test_a_url_stored_with_other_text_is_still_an_update_in_a_batch(self, tmp_path):
        path = tmp_path / "urls"
        path.mkdir()
        (path / "a.json").write_text(
            json.dumps([{"title": "Page", "body": "Old words.", "url": "https://example.org/page"}])
        )
        (path / "b.json").write_text(
            json.dumps({"title": "Page", "body": "New words.", "url": "https://example.org/page"})
        )
        (path / "c.json").write_text(
            json.dumps({"title": "Page", "body": "New words.", "url": "https://example.org/page"})
        )
        out, err, failure = run(path)
        assert failure is None, err
        article = Article.objects.get()
        assert article.body == "New words." and article.version == 2
        assert "b.json: updated article" in out
        assert "c.json: skipped: an article with the same URL is already stored as article" in out
        assert [r.history_type for r in article.history.order_by("history_id")] == ["+", "~"]

    def test_a_file_refused_for_its_second_outlet_leaves_no_first_outlet_behind(self, tmp_path, monkeypatch):
        real = references.outlet_named

        def outlet_named(value, *, by=None):
            if value["name"] == "Refused Outlet":
                raise ValidationError({"name": "This outlet is refused."})
            return real(value, by=by)

        monkeypatch.setattr(references, "outlet_named", outlet_named)
        path = tmp_path / "outlets"
        path.mkdir()
        (path / "a.json").write_text(
            json.dumps(
                [
                    {"title": "Fine", "body": "Fine words.", "outlet": "Brand New Outlet"},
                    {"title": "Other", "body": "Other words.", "outlet": "Refused Outlet"},
                ]
            )
        )
        (path / "b.txt").write_text("Later\n\nA later file still imports.\n")
        out, err, failure = run(path)
        assert failure is not None
        assert (
            "a.json: FAILED: Article 2: outlet: name: This outlet is refused. Nothing from this file was saved." in err
        )
        assert not Outlet.objects.filter(name="Brand New Outlet").exists()
        assert list(Article.objects.values_list("title", flat=True)) == ["Later"]


@pytest.mark.django_db
class CreateWithHistoryTests:
    """tracker.copying: the rows COPY writes on PostgreSQL are the ones bulk_create_with_history writes."""

    def article(self, n, **fields):
        from tracker.models import body_hash

        body = f"Body of copied article {n}."
        return Article(title=f"Copied {n}", body=body, body_sha256=body_hash(body), **fields)

    def test_rows_and_history_are_the_articles_own(self, editor):
        import datetime

        from tracker import copying

        outlet = Outlet.objects.create(name="Copy Daily")
        when = datetime.datetime(2026, 3, 14, 12, 0, tzinfo=datetime.UTC)
        made = copying.create_with_history(
            [
                self.article(1, url="https://example.org/1", authors=["Ann Bee", "Cé Dé"], published_at=when),
                self.article(2, outlet=outlet, language="ru"),
            ],
            Article,
            default_user=editor,
        )
        assert all(a.pk is not None and not a._state.adding for a in made)
        first, second = (Article.objects.get(pk=a.pk) for a in made)
        assert (first.url, first.authors, first.published_at, first.version) == (
            "https://example.org/1",
            ["Ann Bee", "Cé Dé"],
            when,
            1,
        )
        assert (second.outlet, second.language, second.url) == (outlet, "ru", None)
        for article in (first, second):
            [record] = article.history.all()
            assert (record.history_type, record.history_user, record.history_change_reason) == ("+", editor, None)
            for field in Article.history.model.tracked_fields:
                assert getattr(record, field.attname) == getattr(article, field.attname), field.name
        # The ids came from the table's own sequence: the next article saved the usual way gets a new one.
        later = Article.objects.create(title="Later", body="Saved one by one.", body_sha256="0" * 64)
        assert later.pk > max(a.pk for a in made)

    def test_a_duplicate_text_writes_nothing(self):
        from django.db import IntegrityError, transaction

        from tracker import copying

        stored = copying.create_with_history([self.article(1)], Article)[0]
        with pytest.raises(IntegrityError), transaction.atomic():
            copying.create_with_history([self.article(2), self.article(1)], Article)
        assert list(Article.objects.values_list("pk", flat=True)) == [stored.pk]
        assert Article.history.count() == 1
