"""Screenshots of the desk's page with results, at desktop and phone width, for the README.

Starts `headlines serve` on a free loopback port with the model, pastes ten headlines into the
page in Debian's headless Chromium, opens the first row's reasons and saves docs/serve-page.png
and docs/serve-page-phone.png. Run it with `make screenshots` (after `make train`).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
HEADLINES = [
    "KSE-100 plunges 2,000 points as rupee slides",
    "FO summons Afghan envoy over border remarks",
    "CTD arrests four suspects in Lahore",
    "Indian, Pakistani troops trade fire along LoC",
    "Sensex soars to record high as banks rally",
    "Dhaka, Delhi agree to resume talks on Teesta water sharing",
    "Drone strike kills militants near Afghan border",
    "Sri Lanka inflation eases to 2.1pc in November",
    "Nepal floods displace thousands in Terai districts",
    "PCB names squad for Asia Cup",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "headlines.model")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    server = subprocess.Popen([str(Path(sys.executable).parent / "headlines"), "serve", "--model", str(args.model),
                               "--port", "0"], stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        url = re.search(r"(http://\S+/) ", server.stdout.readline()).group(1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium)
            page = browser.new_page(viewport={"width": 1200, "height": 800}, device_scale_factor=1)
            page.goto(url)
            page.fill("#headlines", "\n".join(HEADLINES))
            page.click("#classify")
            page.wait_for_selector("body[data-finished='1']")
            page.locator("#rows tr.row").first.locator("button.more").click()
            page.screenshot(path=str(ROOT / "docs" / "serve-page.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=str(ROOT / "docs" / "serve-page-phone.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(15)
    print("wrote docs/serve-page.png and docs/serve-page-phone.png")


if __name__ == "__main__":
    main()
