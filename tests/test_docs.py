"The tutorial's site, built as `make docs` builds it and opened page by page in headless Chromium."
import functools, http.server, re, subprocess, sys, threading
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
from playwright.sync_api import sync_playwright

from test_service import CHROMIUM, SCREENSHOTS

ROOT = Path(__file__).parents[1]
TUTORIAL = [p.stem for p in sorted((ROOT/'nbs').glob('0[0-7]_*.ipynb'))]  # 08 and 09 are reference
SCREENSHOT_PAGES = dict(index='site-landing.png', **{'02_training': 'site-training.png', '03_embeddings': 'site-embeddings.png'})


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "The site, built by docs/site/build.py, served over HTTP on a free local port"
    out = tmp_path_factory.mktemp('site')/'html'
    subprocess.run([sys.executable, str(ROOT/'docs'/'site'/'build.py'), str(out)], check=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield out, f'http://127.0.0.1:{httpd.server_address[1]}'
    httpd.shutdown()


@functools.cache
def anchors(path):
    "The ids an HTML file defines (read once per file: pages link to the same targets many times)"
    return set(re.findall(r'\bid="([^"]+)"', path.read_text(encoding='utf-8')))


def test_every_page_renders_offline(site):
    out, base = site
    pages = sorted(p.name for p in out.glob('*.html'))
    assert {f'{name}.html' for name in TUTORIAL} | {'index.html', 'api.html'} <= set(pages), pages
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--disable-gpu', '--disable-background-networking'])
        page = browser.new_page(viewport=dict(width=1280, height=900))
        outside, failed = [], []
        page.route('**/*', lambda route: route.continue_() if route.request.url.startswith(base) else (outside.append(route.request.url), route.abort()))
        page.on('requestfailed', lambda request: failed.append(request.url) if request.url.startswith(base) else None)  # not about:blank frames
        page.on('response', lambda response: failed.append(response.url) if response.status >= 400 else None)
        for name in pages:
            page.goto(f'{base}/{name}', wait_until='load')
            if page.locator('.math').count():  # MathJax typesets every formula, then empties its queue
                page.wait_for_function('() => window.MathJax && MathJax.isReady && document.querySelector(".MathJax")'
                                       ' && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0', timeout=20_000)
            text = page.evaluate('''() => { const prose = (document.querySelector('article') || document.body).cloneNode(true);  // code may hold \\( or $$
                prose.querySelectorAll('pre, code, script').forEach(e => e.remove()); return prose.innerText; }''')
            assert '$$' not in text and '\\(' not in text and '\\[' not in text, f'{name}: raw maths left'
            broken = page.evaluate('() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)')
            assert not broken, f'{name}: images that did not load: {broken}'
            for href in page.evaluate('() => [...document.querySelectorAll("a[href]")].map(a => a.href)'):
                url, fragment = urldefrag(href)
                if not url.startswith(base): continue
                target = out/(urlparse(url).path.lstrip('/') or 'index.html')
                assert target.is_file(), f'{name}: link to a missing page {href}'
                if fragment and target.suffix == '.html': assert fragment in anchors(target), f'{name}: link to a missing anchor {href}'
            if Path(name).stem in TUTORIAL:
                assert page.locator('.cell_output img, .cell_output table').count() > 0, f'{name}: no figure or table'
            if Path(name).stem in SCREENSHOT_PAGES:
                figures = page.locator('.cell_output img')
                if Path(name).stem != 'index': figures.first.evaluate('img => img.closest(".cell").previousElementSibling.scrollIntoView()')  # the prose before the first figure, and the figure
                page.screenshot(path=SCREENSHOTS/SCREENSHOT_PAGES[Path(name).stem])
        browser.close()
    assert not outside, f'requests that left the machine: {outside}'
    assert not failed, f'requests that failed: {failed}'
