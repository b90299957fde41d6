"""The import page: pasted text or a .txt file, with duplicates refused and linked."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker.models import Article, Outlet

TEXT = "Officials said the contract could be worth around $5.5 billion.\nA second paragraph."


@pytest.mark.django_db
class ImportPageTests:
    def test_pasted_text_is_imported(self, client_for):
        response = client_for("reporter").post(
            reverse("article-import"),
            {"title": "Contract news", "outlet": "AP", "language": "en", "authors": "Ann, Bob", "body": TEXT},
        )
        article = Article.objects.get()
        assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
        assert article.outlet == Outlet.objects.get(name="AP")
        assert article.authors == ["Ann", "Bob"]
        assert article.body == TEXT

    def test_a_txt_file_is_imported_with_its_first_line_as_title(self, client_for):
        upload = SimpleUploadedFile("story.txt", ("Headline from the file\n" + TEXT).encode(), "text/plain")
        response = client_for("reporter").post(reverse("article-import"), {"language": "en", "file": upload})
        assert response.status_code == 302
        assert Article.objects.get().title == "Headline from the file"

    def test_a_duplicate_is_refused_with_a_link_to_the_stored_article(self, client_for):
        client = client_for("reporter")
        client.post(reverse("article-import"), {"title": "First", "language": "en", "body": TEXT})
        existing = Article.objects.get()
        response = client.post(
            reverse("article-import"), {"title": "Again", "outlet": "New outlet", "language": "en", "body": TEXT}
        )
        assert response.status_code == 409
        body = response.content.decode()
        assert existing.get_absolute_url() in body and "already stored" in body
        assert Article.objects.count() == 1
        assert not Outlet.objects.filter(name="New outlet").exists()

    def test_bad_files_are_refused_with_a_message(self, client_for):
        client = client_for("reporter")
        binary = SimpleUploadedFile("story.txt", b"\xff\xfe\x00bad", "text/plain")
        assert client.post(reverse("article-import"), {"language": "en", "file": binary}).status_code == 400
        pdf = SimpleUploadedFile("story.pdf", b"%PDF-1.4", "application/pdf")
        response = client.post(reverse("article-import"), {"language": "en", "file": pdf})
        assert response.status_code == 400 and ".txt" in response.content.decode()
        assert Article.objects.count() == 0

    def test_a_cp1251_file_is_read_and_the_encoding_named(self, client_for):
        text = "Киев сообщил об атаке\nПо словам военных, ночью над Киевом были сбиты 12 ракет и 20 беспилотников."
        upload = SimpleUploadedFile("kyiv.txt", text.encode("cp1251"), "text/plain")
        response = client_for("reporter").post(
            reverse("article-import"), {"language": "ru", "file": upload}, follow=True
        )
        assert response.status_code == 200
        article = Article.objects.get()
        assert article.title == "Киев сообщил об атаке" and "беспилотников" in article.body
        assert "The file was read as Windows-1251 (Cyrillic) (detected)" in response.content.decode()

    def test_the_encoding_can_be_chosen(self, client_for):
        text = "Київ повідомив про атаку\nЗа словами військових, уночі над Києвом збили 12 ракет."
        upload = SimpleUploadedFile("kyiv.txt", text.encode("koi8_u"), "text/plain")
        data = {"language": "uk", "file": upload, "encoding": "koi8-u"}
        response = client_for("reporter").post(reverse("article-import"), data, follow=True)
        assert Article.objects.get().title == "Київ повідомив про атаку"
        assert "KOI8-U (Ukrainian) (as you chose)" in response.content.decode()

    def test_a_chosen_encoding_that_does_not_fit_is_refused_clearly(self, client_for):
        upload = SimpleUploadedFile("story.txt", "Заголовок\nТекст статьи.".encode("cp1251"), "text/plain")
        data = {"language": "ru", "file": upload, "encoding": "utf-8"}
        response = client_for("reporter").post(reverse("article-import"), data)
        assert response.status_code == 400
        assert "cannot be read as UTF-8" in response.content.decode() and Article.objects.count() == 0

    def test_a_utf8_file_says_nothing_about_encodings(self, client_for):
        upload = SimpleUploadedFile("story.txt", "Заголовок\nТекст статьи.".encode(), "text/plain")
        response = client_for("reporter").post(
            reverse("article-import"), {"language": "ru", "file": upload}, follow=True
        )
        assert "was read as" not in response.content.decode() and Article.objects.count() == 1

    def test_empty_and_nul_input_is_refused(self, client_for):
        client = client_for("reporter")
        assert (
            client.post(reverse("article-import"), {"title": "x", "language": "en", "body": "  "}).status_code == 400
        )
        response = client.post(reverse("article-import"), {"title": "x", "language": "en", "body": "a\x00b"})
        assert response.status_code == 400
        assert (
            client.post(reverse("article-import"), {"title": "x", "language": "??", "body": TEXT}).status_code == 400
        )
        assert Article.objects.count() == 0

    def test_anonymous_cannot_import(self, client):
        assert (
            client.post(reverse("article-import"), {"title": "x", "language": "en", "body": TEXT}).status_code == 403
        )
        assert Article.objects.count() == 0
