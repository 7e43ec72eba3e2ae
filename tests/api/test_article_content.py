"""What the corpus gives readers beyond the body: the one footer, key points, formats."""

from miniapp_api.config import PROJECT_ROOT
from miniapp_api.content import sync


def test_every_article_ends_with_the_one_footer_and_carries_its_key_points(app_ctx, client):
    sync.sync_content(PROJECT_ROOT / "content")
    listed = client.get("/api/v1/articles?per_page=100").get_json()["items"]
    assert len(listed) == 100
    assert all(1 <= len(item["key_points"]) <= 3 for item in listed)
    assert {item["format"] for item in listed} >= {"case", "guide", "rhyme"}
    footer_text = (PROJECT_ROOT / "content" / "article_footer.md").read_text(encoding="utf-8")
    for item in listed[:5]:
        opened = client.get(f"/api/v1/articles/{item['slug']}").get_json()
        assert opened["body_html"].endswith("</section>")
        assert 'class="article-footer"' in opened["body_html"]
        assert "96110" in opened["body_html"] and "96110" in footer_text
        assert "article-footer" not in opened["body_markdown"]  # the source stays as written
        assert opened["body_html"].count('class="article-footer"') == 1
