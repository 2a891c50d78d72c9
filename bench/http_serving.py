"""Latency and throughput of `fm-recsys serve` over HTTP, beside direct Python calls, and a reload under load.
(Not named http.py: beside this script, that name would hide the standard library's `http` package.)

Usage: python bench/http_serving.py [--artifacts-dir data/demo] [--requests 400] [--es-url URL]
Needs trained artifacts (`make demo`); with a running node (`make es`) it also measures the Elasticsearch backend.
Starts `fm-recsys serve` on a free port per backend, sends a fixed number of top-10 cold-start requests at
concurrency 1 and 8 (one keep-alive connection per client thread), and prints p50/p99/QPS beside the same calls made
in Python; then reloads the model in the middle of a load run and counts the requests that failed.
"""
import argparse, http.client, itertools, os, socket, subprocess, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from serving import measure  # bench/serving.py: the same timing loop

from fm_recsys.data import AGES, GENDERS, OCCUPATIONS
from fm_recsys.serving import open_recommender
from fm_recsys.serving import connect, index_model

TOKEN = 'bench-token'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def serve(artifacts_dir, backend, es_url):
    "A `fm-recsys serve` process answering on a free port, and its port"
    port = free_port()
    env = dict(os.environ, FM_RECSYS_ADMIN_TOKEN=TOKEN, **({'ES_URL': es_url} if es_url else {}))
    proc = subprocess.Popen([Path(sys.executable).parent/'fm-recsys', 'serve', '--artifacts-dir', artifacts_dir, '--backend', backend,
                             '--port', str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            client = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
            client.request('GET', '/api/health')
            if client.getresponse().status == 200: return proc, port
        except OSError: time.sleep(0.1)
    proc.kill()
    raise SystemExit(f'fm-recsys serve --backend {backend} did not start')


class Client:
    "One keep-alive connection per thread"
    def __init__(self, port): self.port, self.local = port, threading.local()

    def get(self, path):
        "The status of GET `path` (the body is read, so the connection can be reused)"
        if not hasattr(self.local, 'conn'): self.local.conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=30)
        try:
            self.local.conn.request('GET', path)
            response = self.local.conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            del self.local.conn
            return 0


def reload_under_load(port, paths, requests, threads=8):
    "Statuses of `requests` GETs at concurrency `threads` with a model reload in the middle; the reload's status"
    client, statuses, reload_status = Client(port), [], []
    def reload():
        time.sleep(0.5)
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
        conn.request('POST', '/api/reload', headers=dict(Authorization=f'Bearer {TOKEN}'))
        reload_status.append(conn.getresponse().status)
    reloader = threading.Thread(target=reload); reloader.start()
    with ThreadPoolExecutor(threads) as pool: statuses = list(pool.map(client.get, itertools.islice(itertools.cycle(paths), requests)))
    reloader.join()
    return statuses, reload_status[0]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--artifacts-dir', default='data/demo', help='a trained model (make demo writes data/demo)')
    p.add_argument('--requests', type=int, default=400, help='requests per measurement at concurrency 1 (twice as many at 8)')
    p.add_argument('--es-url', help='Elasticsearch URL (default: $ES_URL, else http://127.0.0.1:9200); unreachable: in-process only')
    args = p.parse_args()
    metadata = [dict(age=a, gender=g, occupation=o) for a in AGES for g in GENDERS for o in OCCUPATIONS]
    paths = [f'/api/recommend?{urlencode(dict(m, n=10))}' for m in metadata]
    backends = ['inprocess']
    try:
        index_model(connect(args.es_url), args.artifacts_dir, progress=False)
        backends.append('es')
    except ConnectionError as e: print(f'Elasticsearch skipped: {e}')
    print(f'{len(metadata)} cold-start queries (age x gender x occupation), top 10; client and server on this machine\n')
    print('| backend | called | concurrency | p50 ms | p99 ms | QPS |\n| --- | --- | --- | --- | --- | --- |')
    reloads = []
    for backend in backends:
        direct = open_recommender(args.artifacts_dir, backend, args.es_url)
        proc, port = serve(args.artifacts_dir, backend, args.es_url)
        try:
            client = Client(port)
            for concurrency in (1, 8):
                n = args.requests * (2 if concurrency > 1 else 1)
                for called, call, items in (('Python', lambda m: direct.recommend(**m), metadata), ('HTTP', client.get, paths)):
                    p50, p99, qps = measure(call, [(i,) for i in items], concurrency, n)
                    print(f'| {backend} | {called} | {concurrency} | {p50:.2f} | {p99:.2f} | {qps:.0f} |', flush=True)
            statuses, reload_status = reload_under_load(port, paths, 4 * args.requests)
            reloads.append((backend, len(statuses), sum(s != 200 for s in statuses), reload_status))
        finally:
            proc.terminate(); proc.wait()
    for backend, sent, failed, status in reloads:
        print(f'\nreload under load ({backend}): {sent} requests at concurrency 8, reload answered {status}, {failed} failed')


if __name__ == '__main__': main()
