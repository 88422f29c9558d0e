"""The page in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Paste, read, expand, download, drop a file, filter, sort, errors, 5,000 rows and a phone-width
window. Every request the page makes is checked to stay on the server (nothing from a CDN).
Without a browser these tests skip with a message; under CI (CI set) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest
from serving import running_app
from typer.testing import CliRunner

from classifier.cli import app as cli
from classifier.model.files import load_model
from classifier.model.heads import predict_texts
from classifier.serve import Limits, create_app

CHROMIUM = ("/usr/bin/chromium", "/usr/lib/chromium/chromium", "/usr/bin/chromium-browser")
# Rows of the tiny training corpus (tests/conftest.py), so even the 40-row model knows their topics.
THREE = ["FO summons envoy over border remarks", "Blast kills 12 at Peshawar market",
         "KSE-100 gains 900 points on IMF optimism"]  # fmt: skip
MIXED = [*THREE, "Airstrikes kill 40 as war enters third week", "Rupee slides to record low against dollar",
         "Ministers sign MoU on visas and consular access", "Floods kill 30 in northern districts"]  # fmt: skip


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(
            f"{reason}: CI must run the browser tests (.ci/run installs Debian's chromium)", pytrace=False
        )
    pytest.skip(f"{reason}; `apt-get install chromium` to run the browser tests")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (it is in the dev extra)")
    path = next((p for p in (*CHROMIUM, shutil.which("chromium")) if p and os.path.exists(p)), None)
    if path is None:
        _missing("no chromium found")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def model(tiny_model_path):
    return load_model(tiny_model_path)


@pytest.fixture(scope="module")
def url(model):
    with running_app(create_app(model, Limits(max_headlines=6_000))) as address:
        yield address


@pytest.fixture
def page(browser, url):
    """A fresh page on the service; any request that would leave the server is aborted and fails the test."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 800})
    elsewhere: list[str] = []
    predict_calls: list[str] = []

    def route(route_):
        target = route_.request.url
        if target.startswith((url, "blob:", "data:")):
            if "/v1/predict" in target:
                predict_calls.append(target)
            route_.continue_()
        else:
            elsewhere.append(target)
            route_.abort()

    context.route("**/*", route)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.predict_calls = predict_calls
    tab.goto(url)
    yield tab
    context.close()
    assert elsewhere == [], f"the page reached outside the server: {elsewhere}"
    assert errors == [], f"script errors: {errors}"


def answered(page, action) -> None:
    """Do something that sends a request, and wait until the page has shown its answer."""
    before = int(page.get_attribute("body", "data-finished") or 0)
    action()
    page.wait_for_selector(f"body[data-finished='{before + 1}']", timeout=60_000)


def classify(page, texts: list[str]) -> None:
    """Paste headlines and press the button. Long pastes are set at once, as a real paste does
    (Playwright's fill types them through the editor, which takes minutes for thousands of lines)."""
    if len(texts) <= 100:
        page.fill("#headlines", "\n".join(texts))
    else:
        page.locator("#headlines").evaluate("(box, text) => { box.value = text; }", "\n".join(texts))
    answered(page, lambda: page.click("#classify"))


def signed(x: float, places: int = 2) -> str:
    return ("+" if x >= 0 else "\u2212") + f"{abs(x):.{places}f}"


def test_three_pasted_headlines_give_three_rows_with_the_librarys_topics(page, model):
    expected = predict_texts(model, THREE, explain=5)
    assert expected["topic"].tolist() == ["diplomacy", "security", "markets"]
    classify(page, THREE)
    rows = page.locator("#rows tr.row")
    assert rows.count() == 3
    assert rows.locator(".c-headline").all_inner_texts() == THREE
    assert rows.locator(".c-topic .name").all_inner_texts() == expected["topic"].tolist()
    assert rows.locator(".c-alt .alt-name").all_inner_texts() == expected["topic_alt"].tolist()
    assert rows.locator(".tone .num").all_inner_texts() == [signed(t) for t in expected["tone"]]
    assert rows.locator(".tone-word").all_inner_texts() == expected["tone_label"].tolist()
    assert "3 labelled" in page.inner_text("#status")


def test_expanding_a_row_shows_its_reasons_with_their_signs(page, model):
    expected = predict_texts(model, THREE, explain=5)
    classify(page, THREE)
    page.locator("#rows tr.row").nth(1).locator("button.more").click()
    detail = page.locator("#rows tr.detail")
    assert detail.count() == 1
    topic_box, tone_box = detail.locator(".reason-box").all()
    assert topic_box.locator("code").all_inner_texts() == [t for t, _ in expected["topic_reasons"][1]]
    assert topic_box.locator(".weight").all_inner_texts() == [
        signed(w, 3) for _, w in expected["topic_reasons"][1]
    ]
    assert tone_box.locator(".weight").all_inner_texts() == [
        signed(w, 3) for _, w in expected["tone_reasons"][1]
    ]
    page.locator("#rows tr.row").nth(1).locator("button.more").click()
    assert page.locator("#rows tr.detail").count() == 0


def test_the_downloaded_csv_is_headlines_predicts(page, tiny_model_path, tmp_path):
    classify(page, [*THREE, "", '=HYPERLINK("x")'])
    with page.expect_download() as download:
        page.click("#download")
    got = download.value.path().read_bytes()
    source = tmp_path / "pasted.txt"
    source.write_text("\n".join([*THREE, "", '=HYPERLINK("x")']) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["predict", str(source), "--model", str(tiny_model_path), "--format", "csv",
                                      "--explain", "5", "--safe-csv"])  # fmt: skip
    assert result.exit_code == 0
    assert got == result.stdout_bytes
    assert download.value.suggested_filename == "headlines-labelled.csv"


def test_a_dropped_csv_and_a_chosen_text_file_are_labelled(page, model):
    text = "id,title\nk1,Rupee slides to record low against dollar\nk2,Troops trade fire along LoC\n"
    page.fill("#column", "title")
    transfer = page.evaluate_handle(
        "([name, text]) => { const d = new DataTransfer(); d.items.add(new File([text], name, {type: 'text/csv'})); return d; }",
        ["feed.csv", text],
    )  # fmt: skip
    answered(page, lambda: page.dispatch_event("#input", "drop", {"dataTransfer": transfer}))
    rows = page.locator("#rows tr.row")
    assert rows.locator(".c-id").all_inner_texts() == ["k1", "k2"]
    expected = predict_texts(
        model, ["Rupee slides to record low against dollar", "Troops trade fire along LoC"]
    )
    assert rows.locator(".c-topic .name").all_inner_texts() == expected["topic"].tolist()
    assert "feed.csv" in page.inner_text("#status")
    chosen = {"name": "feed.txt", "mimeType": "text/plain", "buffer": "\n".join(MIXED).encode()}
    answered(page, lambda: page.set_input_files("#file", files=[chosen]))
    assert page.locator("#rows .c-headline").all_inner_texts() == MIXED


def test_an_empty_paste_shows_a_message_and_sends_nothing(page):
    page.fill("#headlines", "   \n\n\t\n")
    page.click("#classify")
    assert page.locator("#error").is_visible()
    assert "Nothing to classify" in page.inner_text("#error")
    assert page.predict_calls == [] and page.locator("#results").is_hidden()


def test_server_errors_are_shown_in_plain_words(page):
    transfer = page.evaluate_handle(
        "() => { const d = new DataTransfer(); d.items.add(new File(['title\\nGold slips\\n'], 'feed.csv')); return d; }"
    )
    answered(page, lambda: page.dispatch_event("#input", "drop", {"dataTransfer": transfer}))
    assert "(422)" in page.inner_text("#error") and "no column 'headline'" in page.inner_text("#error")
    classify(page, ["Rupee slides"] * 6_001)
    assert "(413)" in page.inner_text("#error") and "the limit is 6,000" in page.inner_text("#error")
    classify(page, THREE)  # and the page goes on working
    assert page.locator("#error").is_hidden() and page.locator("#rows tr.row").count() == 3


def test_filter_by_topic_and_sort_by_tone_and_confidence(page, model):
    expected = predict_texts(model, MIXED)
    classify(page, MIXED)
    page.select_option("#filter", "security")
    visible = page.locator("#rows tr.row:visible")
    assert set(visible.locator(".c-topic .name").all_inner_texts()) == {"security"}
    assert visible.count() == int((expected["topic"] == "security").sum())
    page.select_option("#filter", "")
    page.select_option("#sort", "tone-asc")
    tones = [
        float(t.replace("\u2212", "-")) for t in page.locator("#rows tr.row .tone .num").all_inner_texts()
    ]
    assert tones == sorted(tones) and len(tones) == len(MIXED)
    page.select_option("#sort", "conf-asc")
    ids = page.locator("#rows tr.row .c-id").all_inner_texts()
    assert ids == [str(i + 1) for i in expected["topic_confidence"].sort_values(kind="stable").index]


def test_markup_in_a_headline_stays_text(page):
    hostile = "<img src=x onerror=\"document.title='pwned'\"><b>bold</b>"
    classify(page, [hostile])
    assert page.locator("#rows .c-headline").inner_text() == hostile
    assert page.title() != "pwned" and page.locator("#rows img").count() == 0


def test_a_phone_width_window_has_no_sideways_scroll(page):
    page.set_viewport_size({"width": 390, "height": 844})
    classify(page, MIXED)
    page.locator("#rows tr.row").first.locator("button.more").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    headline = page.locator("#rows tr.row .c-headline").first.bounding_box()
    assert headline["x"] >= 0 and headline["x"] + headline["width"] <= 390
    assert page.locator("thead").is_hidden()


def test_the_api_docs_page_is_interactive_and_local(page, url):
    page.goto(url + "docs")
    page.locator(".opblock-summary-path", has_text="/v1/predict").first.wait_for()
    assert page.locator(".opblock").count() >= 4


@pytest.mark.slow
def test_five_thousand_rows_stay_usable(page):
    texts = [f"{base} {i}" for i in range(1_000) for base in MIXED[:5]]
    began = time.monotonic()
    classify(page, texts)
    assert time.monotonic() - began < 20
    assert "5,000 of 5,000 shown" in page.inner_text("#shown")
    assert page.locator("#rows tr.row").count() == 200  # drawn a page at a time
    assert page.inner_text("#page-label") == "rows 1\u2013200 of 5,000"
    steps = [
        lambda: page.click("#next"),
        lambda: page.select_option("#sort", "tone-desc"),
        lambda: page.select_option("#filter", "markets"),
        lambda: page.select_option("#filter", ""),
        lambda: page.locator("#rows tr.row").nth(199).locator("button.more").click(),
    ]
    for step in steps:
        began = time.monotonic()
        step()
        page.evaluate("() => new Promise(requestAnimationFrame)")
        assert time.monotonic() - began < 3
    assert page.locator("#rows tr.detail").count() == 1
    tones = [float(t.replace("\u2212", "-")) for t in page.locator("#rows .tone .num").all_inner_texts()]
    assert tones == sorted(tones, reverse=True)
    page.click("#next")
    assert page.inner_text("#page-label") == "rows 201\u2013400 of 5,000"


def test_a_missing_browser_fails_under_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser tests"):
        _missing("no chromium found")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        _missing("no chromium found")
