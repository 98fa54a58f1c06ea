"""The printable sign-off record fits one A4 sheet when Chromium prints it."""

from __future__ import annotations

from outputs import signoff_record
from review import Store
from review.roles import Identity
from tests.test_signoff_record import NOW, _pages, _signed


def test_the_record_prints_on_one_a4_page(browser, tmp_path):
    with Store(f"sqlite+pysqlite:///{tmp_path / 'review.db'}", webhooks=None) as store:
        ada = Identity("Ada Lovelace", "ada@example.org", True, "oidc")
        run, _, _ = _signed(store, ada, "Fit for model X. " * 20, "approved for training models")
        path = tmp_path / "record.html"
        path.write_text(signoff_record.html(store, run.id, NOW), encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(path.as_uri())
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        page.close()
    assert _pages(pdf) == 1
