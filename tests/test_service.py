"The web service as a person meets it: a real uvicorn process, a model reload under load, the page in a real Chromium."
import json, os, shutil, socket, subprocess, sys, time, urllib.error, urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from fm_recsys.recommend import top_reasons
from fm_recsys.serving import model_checksum
from fm_recsys.train import preset, train

CHROMIUM = '/usr/bin/chromium'  # Debian's; `make test` installs it when missing
SCREENSHOTS = Path(__file__).parents[1]/'data'/'runs'/'screenshots'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def get(url):
    "The status and JSON body of GET `url`"
    try:
        with urllib.request.urlopen(url, timeout=30) as response: return response.status, json.load(response)
    except urllib.error.HTTPError as e: return e.code, json.load(e)


class Server:
    "`fm-recsys serve` in a process of its own, on a free port"
    def __init__(self, artifacts_dir, **env):
        self.url = f'http://127.0.0.1:{free_port()}'
        self.proc = subprocess.Popen([Path(sys.executable).parent/'fm-recsys', 'serve', '--artifacts-dir', artifacts_dir, '--port', self.url.rsplit(':', 1)[1]],
                                     env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(f'{self.url}/api/health')[0] == 200: return
            except OSError: time.sleep(0.2)
        self.proc.kill()
        raise AssertionError(f'fm-recsys serve did not answer within 60 s: {self.proc.stdout.read()}')

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture(scope='module')
def model_dir(artifacts, tmp_path_factory):
    "A copy of the session's model, which a test may replace in place"
    out = tmp_path_factory.mktemp('served')
    shutil.copytree(artifacts, out, dirs_exist_ok=True)
    return out


@pytest.fixture(scope='module')
def server(model_dir):
    server = Server(model_dir, FM_RECSYS_ADMIN_TOKEN='test-token')
    yield server
    server.stop()


def test_serve_answers_like_the_command_line(server, model_dir):
    status, body = get(f'{server.url}/api/recommend?age=18-24&gender=M&n=5')
    assert status == 200 and len(body['items']) == 5 and body['backend'] == 'inprocess'
    cli = subprocess.run([Path(sys.executable).parent/'fm-recsys', 'recommend', '--artifacts-dir', model_dir, '--age', '18-24',
                          '--gender', 'M', '--top', '5', '--json'], capture_output=True, text=True, check=True)
    assert [i['movie_id'] for i in body['items']] == [i['movie_id'] for i in json.loads(cli.stdout)]
    assert get(f'{server.url}/api/health')[1] == dict(ready=True, model=model_checksum(model_dir), backend='inprocess', elasticsearch=None)
    with urllib.request.urlopen(f'{server.url}/docs', timeout=30) as docs: assert b'swagger' in docs.read().lower()  # the OpenAPI page


def test_reload_under_load_fails_no_request(server, model_dir, prepared_dir, tmp_path):
    other = tmp_path/'other'
    shutil.copytree(prepared_dir, other)
    train(other, preset('ranker', k=16, epochs=1, recvae_epochs=2, seed=7), progress=False)  # the same kind of model, another seed
    before = model_checksum(model_dir)
    queries = [f'{server.url}/api/recommend?age=25&gender=F', f'{server.url}/api/recommend?user=42', f'{server.url}/api/similar?movie=1']

    def reload_midway():
        time.sleep(1)
        for name in ('features.json', 'ratings.npz', 'embeddings.npz'): shutil.copy(other/name, model_dir/name)
        request = urllib.request.Request(f'{server.url}/api/reload', method='POST', headers=dict(Authorization='Bearer test-token'))
        with urllib.request.urlopen(request, timeout=60) as response: return json.load(response)

    with ThreadPoolExecutor(5) as pool:
        reloaded = pool.submit(reload_midway)
        answers = list(pool.map(lambda i: get(queries[i % 3])[0], range(600)))
    assert reloaded.result() == dict(model=model_checksum(other), previous=before)
    assert answers.count(200) == len(answers), {s: answers.count(s) for s in set(answers)}
    assert get(f'{server.url}/api/health')[1]['model'] == model_checksum(other)


def test_reload_needs_the_token(server):
    request = urllib.request.Request(f'{server.url}/api/reload', method='POST', headers=dict(Authorization='Bearer nope'))
    with pytest.raises(urllib.error.HTTPError) as e: urllib.request.urlopen(request, timeout=30)
    assert e.value.code == 401


def test_serve_stops_at_start_on_a_missing_model(tmp_path):
    proc = subprocess.run([Path(sys.executable).parent/'fm-recsys', 'serve', '--artifacts-dir', tmp_path, '--port', str(free_port())],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"fm-recsys: error: {tmp_path/'features.json'}: missing; run `fm-recsys train` (or the notebooks) to write it"]


def test_page_in_chromium(server):
    assert Path(CHROMIUM).exists(), f'{CHROMIUM} is missing: apt-get install chromium (make test does)'
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--disable-gpu', '--disable-background-networking'])
        page = browser.new_page(viewport=dict(width=1200, height=900))
        page.goto(server.url)
        page.select_option('select[name=age]', label='18-24')
        page.select_option('select[name=gender]', label='male')
        page.click('#go')
        page.wait_for_selector('#results li')
        shown = page.locator('#results li a').all_inner_texts()
        expected = [i['title'] for i in get(f'{server.url}/api/recommend?age=18&gender=M&n=10')[1]['items']]
        assert shown == expected and len(shown) == 10
        assert 'inprocess' in page.inner_text('#status')
        page.screenshot(path=SCREENSHOTS/'recommendations.png', full_page=True)

        # the top movie's reasons are the API's largest terms, and "why?" opens every term
        terms = get(f'{server.url}/api/recommend?age=18&gender=M&n=1&explain=true')[1]['items'][0]['explanation']
        reasons = [f"{t['label']} {'+' if t['contribution'] >= 0 else '−'}{abs(t['contribution']):.2f}" for t in top_reasons(terms)]
        assert reasons and page.inner_text('#results li:first-child .reasons').removesuffix('why?').strip() == ' · '.join(reasons)
        expect(page.locator('#results li:first-child .breakdown')).to_be_hidden()
        page.click('#results li:first-child button.why')
        expect(page.locator('#results li:first-child .breakdown .bar')).to_have_count(len(terms))
        page.screenshot(path=SCREENSHOTS/'explanation.png', full_page=True)

        page.click('#results li:first-child a')
        page.wait_for_selector('#similar li')
        movie = page.get_attribute('#results li:first-child a', 'data-movie')
        assert page.locator('#similar li a').all_inner_texts() == [i['title'] for i in get(f'{server.url}/api/similar?movie={movie}&n=10')[1]['items']]
        page.screenshot(path=SCREENSHOTS/'similar.png', full_page=True)

        titles = lambda query: [i['title'] for i in get(f'{server.url}/api/recommend?age=18&gender=M&n=10{query}')[1]['items']]
        expect(page.locator('#liked-field')).to_be_visible()  # the served model takes liked movies
        page.fill('#liked-search', 'toy sto')  # a part of a title lists the movies that hold it
        expect(page.locator('#titles option')).to_have_count(2)
        page.fill('#liked-search', 'Toy Story (1995)')  # a whole title likes the movie
        expect(page.locator('#results li a')).to_have_text(titles('&liked=1'))
        liked = page.get_attribute('#results li:first-child a', 'data-movie')
        page.click('#results li:first-child button.like')
        expect(page.locator('#liked .chip')).to_have_count(2)
        expect(page.locator('#results li a')).to_have_text(titles(f'&liked=1&liked={liked}'))
        page.screenshot(path=SCREENSHOTS/'liked.png', full_page=True)
        page.click('#liked .chip:first-child button')
        expect(page.locator('#results li a')).to_have_text(titles(f'&liked={liked}'))
        page.click('#liked .chip button')
        expect(page.locator('#liked')).to_be_hidden()
        expect(page.locator('#results li a')).to_have_text(expected)

        page.select_option('select[name=age]', label='any'); page.select_option('select[name=gender]', label='any')
        page.fill('#user', '999999')
        page.click('#go')
        page.wait_for_selector('#status.error')
        assert 'unknown user 999999' in page.inner_text('#status')

        phone = browser.new_page(viewport=dict(width=390, height=844))
        phone.goto(server.url)
        phone.click('#tab-map')
        phone.wait_for_function("document.getElementById('map-image').naturalWidth > 0", timeout=180_000)  # t-SNE runs on the first request
        phone.screenshot(path=SCREENSHOTS/'genre-map-phone.png', full_page=True)
        browser.close()
