"""Latency and throughput of top-10 cold-start recommendations: in-process, exact script_score and HNSW kNN.

Usage: python bench/serving.py [--artifacts-dir data/demo] [--catalog-size 1000000] [--requests 400]
Needs trained artifacts (`make demo`) and a running server (`make es`). Prints, for the MovieLens 1M catalog and for a
synthetic catalog of --catalog-size items with the model's dimension: median and p99 latency and throughput at
concurrency 1 and 8, and the recall@10 of kNN against the exact ranking.
"""
import argparse, itertools, time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from opensearchpy import helpers

from fm_recsys.data import AGES, GENDERS, OCCUPATIONS
from fm_recsys.recommend import InProcessRecommender, make_query
from fm_recsys.serving import SearchRecommender, connect, index_body, index_model, model_indices, search_movies

ALIAS, SYNTHETIC = 'fm-recsys-bench', 'fm-recsys-bench-synthetic'


def measure(call, args_list, concurrency, requests):
    "Median and p99 latency (ms) and throughput (requests/s) of `call(*args)` cycling over `args_list`"
    todo = list(itertools.islice(itertools.cycle(args_list), requests))
    for a in todo[:20]: call(*a)  # warm-up
    def timed(a):
        start = time.perf_counter(); call(*a); return time.perf_counter() - start
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool: latencies = np.array(list(pool.map(timed, todo))) * 1e3
    return np.median(latencies), np.percentile(latencies, 99), requests / (time.perf_counter() - start)


def report(name, call, args_list, requests):
    for concurrency in (1, 8):
        median, p99, qps = measure(call, args_list, concurrency, requests * (2 if concurrency > 1 else 1))
        print(f'{name:<34} c={concurrency}  median {median:7.2f} ms  p99 {p99:7.2f} ms  {qps:7.1f} req/s', flush=True)


def synthetic_catalog(rec, size, seed=0):
    "Item vectors and biases drawn from a Gaussian fitted to the trained movie vectors and biases"
    vectors, bias = rec.movie_vectors, rec.movie_bias
    rng = np.random.default_rng(seed)
    items = rng.multivariate_normal(vectors.mean(0), np.cov(vectors.T), size).astype(np.float32)
    return items, rng.normal(bias.mean(), bias.std(), size).astype(np.float32)


def index_synthetic(client, items, bias):
    "Index the synthetic items as movie documents (with the model index's mapping) and force-merge to one segment"
    for old in model_indices(client, SYNTHETIC) + ([SYNTHETIC] if client.indices.exists(index=SYNTHETIC) else []): client.indices.delete(index=old)
    # a lighter graph than the model index's (m=32, ef_construction=256): building 1M nodes on 2 cores is the cost
    client.indices.create(index=SYNTHETIC, body=index_body(items.shape[1], dict(synthetic=True), m=16, ef_construction=128))
    actions = (dict(_id=f'movie_{i}', _source=dict(feature_type='movie', movie_id=i, title=f'item {i}', genres=[], bias=float(b),
                                                   embedding_bias=[*v.tolist(), float(b)])) for i, (v, b) in enumerate(zip(items, bias)))
    start = time.perf_counter()
    for ok, item in helpers.parallel_bulk(client, actions, index=SYNTHETIC, chunk_size=1000, thread_count=2, raise_on_error=True): pass
    client.indices.put_settings(index=SYNTHETIC, body={'index': {'refresh_interval': '1s'}})
    client.indices.refresh(index=SYNTHETIC)
    indexed = time.perf_counter() - start
    client.indices.forcemerge(index=SYNTHETIC, max_num_segments=1, request_timeout=7200)
    print(f'indexed {client.count(index=SYNTHETIC)["count"]:,} synthetic items in {indexed:.0f} s, force-merged in {time.perf_counter() - start - indexed:.0f} s', flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--artifacts-dir', default='data/demo')
    p.add_argument('--catalog-size', type=int, default=1_000_000)
    p.add_argument('--requests', type=int, default=400)
    p.add_argument('--es-url')
    p.add_argument('--reuse-synthetic', action='store_true', help='query the synthetic index a previous run built (same seed, same items)')
    args = p.parse_args()
    client = connect(args.es_url, timeout=600)
    rec = InProcessRecommender.load(args.artifacts_dir)
    metadata = [dict(age=a, gender=g, occupation=o) for a in AGES for g in GENDERS for o in OCCUPATIONS]
    vectors = [rec.embeddings.vectors[make_query(rec.features, **m).features].sum(0) for m in metadata]
    print(f'OpenSearch {client.server_version}; {len(metadata)} cold-start queries (age x gender x occupation), top 10', flush=True)

    index_model(client, args.artifacts_dir, ALIAS, keep=1, progress=False)
    exact, knn = (SearchRecommender(client, args.artifacts_dir, ALIAS, mode=m) for m in ('exact', 'knn'))
    print(f'\nMovieLens 1M catalog ({len(rec.movie_bias):,} movies, k={rec.movie_vectors.shape[1]}); kNN recall@10 vs exact: '
          f'{np.mean([len(set(exact.search(v).movie_id) & set(knn.search(v).movie_id)) / 10 for v in vectors]):.4f}', flush=True)
    report('in-process (numpy)', lambda m: rec.recommend(**m), [(m,) for m in metadata], args.requests)
    report('search: exact script_score', lambda m: exact.recommend(**m), [(m,) for m in metadata], args.requests)
    report('search: kNN (HNSW)', lambda m: knn.recommend(**m), [(m,) for m in metadata], args.requests)

    items, bias = synthetic_catalog(rec, args.catalog_size)
    print(f'\nsynthetic catalog ({args.catalog_size:,} items, k={items.shape[1]})', flush=True)
    if args.reuse_synthetic and client.indices.exists(index=SYNTHETIC) and client.count(index=SYNTHETIC)['count'] == len(items):
        print(f'reusing {SYNTHETIC} ({len(client.indices.segments(index=SYNTHETIC)["indices"][SYNTHETIC]["shards"]["0"][0]["segments"])} segments)', flush=True)
    else: index_synthetic(client, items, bias)
    truth = [set(np.argpartition(-(bias + items @ v), 10)[:10].tolist()) for v in vectors]
    knn_found = [set(search_movies(client, SYNTHETIC, v, mode='knn').movie_id) for v in vectors]
    print(f'kNN recall@10 vs exact (numpy): {np.mean([len(t & f) / 10 for t, f in zip(truth, knn_found)]):.4f}', flush=True)
    exact_found = [set(search_movies(client, SYNTHETIC, v).movie_id) for v in vectors[:20]]
    print(f'script_score agreement with numpy on 20 queries: {np.mean([len(t & f) / 10 for t, f in zip(truth, exact_found)]):.4f}', flush=True)
    report('search: kNN (HNSW)', lambda v: search_movies(client, SYNTHETIC, v, mode='knn'), [(v,) for v in vectors], args.requests)
    report('search: exact script_score', lambda v: search_movies(client, SYNTHETIC, v), [(v,) for v in vectors], max(20, args.requests // 20))


if __name__ == '__main__': main()
