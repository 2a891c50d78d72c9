"""Latency and throughput of top-10 recommendations: in-process, and Elasticsearch exact (flat) and approximate (HNSW).

Usage: python bench/serving.py [--artifacts-dir data/demo] [--catalog-size 1000000] [--requests 400] [--es-url URL]
Needs trained artifacts (`make demo`) and a running node (`make es`). Prints, for the MovieLens 1M catalogue and for a
synthetic catalogue of --catalog-size items with the model's dimension: p50 and p99 latency and throughput at
concurrency 1 and 8, the recall@10 of HNSW against the exact ranking, and the indexing time; and what explanations
(`explain=True`) add to the p50 at concurrency 1, per kind of request (liked movies only for a model that takes them).
"""
import argparse, itertools, time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from fm_recsys.data import AGES, GENDERS, OCCUPATIONS
from fm_recsys.recommend import InProcessRecommender, make_query
from fm_recsys.serving import (HNSW, SearchRecommender, bulk_load, connect, index_body, index_model, largest_norm,
                               model_indices, movie_document, rank_movies)

ALIAS, SYNTHETIC = 'fm-recsys-bench', 'fm-recsys-bench-synthetic'


def measure(call, args_list, concurrency, requests):
    "p50 and p99 latency (ms) and throughput (requests/s) of `call(*args)` cycling over `args_list`"
    todo = list(itertools.islice(itertools.cycle(args_list), requests))
    for a in todo[:20]: call(*a)  # warm-up
    def timed(a):
        start = time.perf_counter(); call(*a); return time.perf_counter() - start
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool: latencies = np.array(list(pool.map(timed, todo))) * 1e3
    return np.median(latencies), np.percentile(latencies, 99), requests / (time.perf_counter() - start)


def report(name, call, args_list, requests):
    for concurrency in (1, 8):
        p50, p99, qps = measure(call, args_list, concurrency, requests * (2 if concurrency > 1 else 1))
        print(f'| {name} | {concurrency} | {p50:.2f} | {p99:.2f} | {qps:.0f} |', flush=True)


def explanation_cost(name, rec, requests_by_kind, requests):
    "p50 at concurrency 1 without and with explanations, per kind of request; the two alternate on each request, so that drift hits both"
    def time_of(request, explain):
        start = time.perf_counter(); rec.recommend(**request, explain=explain); return time.perf_counter() - start
    for kind, kind_requests in requests_by_kind.items():
        todo = list(itertools.islice(itertools.cycle(kind_requests), requests))
        for r in todo[:20]: rec.recommend(**r, explain=True)  # warm-up (the Elasticsearch backend reads the movies' vectors once)
        plain, explained = np.array([[time_of(r, False), time_of(r, True)] for r in todo]).T * 1e3
        print(f'| {name} | {kind} | {np.median(plain):.2f} | {np.median(explained):.2f} | {np.median(explained - plain):+.2f} |', flush=True)


def synthetic_catalogue(rec, size, seed=0):
    "Item vectors and biases drawn from a Gaussian fitted to the trained movie vectors and biases"
    vectors, bias = rec.movie_vectors, rec.movie_bias
    rng = np.random.default_rng(seed)
    items = rng.multivariate_normal(vectors.mean(0), np.cov(vectors.T), size).astype(np.float32)
    return items, rng.normal(bias.mean(), bias.std(), size).astype(np.float32)


def index_synthetic(client, items, bias, ann, max_norm, force_merge):
    "Index the synthetic items as movie documents (the model index's mapping); time it until the merges are done"
    if client.indices.exists(index=SYNTHETIC): client.indices.delete(index=SYNTHETIC)
    body = index_body(items.shape[1], dict(synthetic=True, max_norm=max_norm, ann=ann), ann=ann)  # `ann` in `_meta`: what --reuse-synthetic checks
    body['settings'].update(number_of_replicas=0, auto_expand_replicas=False)  # one node's cost, as the targets are
    client.indices.create(index=SYNTHETIC, **body)
    actions = (dict(_id=f'movie_{i}', _source=movie_document(i, f'item {i}', [], v, b, max_norm)) for i, (v, b) in enumerate(zip(items, bias)))
    start = time.perf_counter()
    bulk_load(client, SYNTHETIC, actions, len(items), chunk_size=1000, progress=False)
    loaded = time.perf_counter() - start
    if force_merge: client.options(request_timeout=3600).indices.forcemerge(index=SYNTHETIC, max_num_segments=1)
    # the background merges rebuild graphs too: the index is ready when none is left
    while client.indices.stats(index=SYNTHETIC, metric='merge')['_all']['primaries']['merges']['current']: time.sleep(5)
    segments = len(client.cat.segments(index=SYNTHETIC, format='json'))
    print(f'indexed {len(items):,} items in {loaded:.0f} s, merged into {segments} segment(s) '
          f'in {time.perf_counter() - start - loaded:.0f} s more ({time.perf_counter() - start:.0f} s in all)', flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--artifacts-dir', default='data/demo', help='a trained model (make demo writes data/demo)')
    p.add_argument('--catalog-size', type=int, default=1_000_000, help='items in the synthetic catalogue (0: skip it)')
    p.add_argument('--requests', type=int, default=400, help='requests per measurement at concurrency 1 (twice as many at 8)')
    p.add_argument('--candidates', type=int, nargs='+', default=[100], help='HNSW candidates (num_candidates) per query: recall at each, latency at the first')
    p.add_argument('--m', type=int, default=HNSW['m'], help='HNSW links per node')
    p.add_argument('--ef-construction', type=int, default=HNSW['ef_construction'], help='HNSW candidates while building')
    p.add_argument('--index-type', default=HNSW['type'], choices=('hnsw', 'int8_hnsw', 'int4_hnsw', 'bbq_hnsw'), help="the synthetic index's HNSW kind")
    p.add_argument('--oversample', type=float, default=0, help='quantized kinds: rescore oversample × 10 hits with the full vectors (0: none)')
    p.add_argument('--force-merge', action='store_true', help='force-merge the synthetic index to one segment (one graph) before querying')
    p.add_argument('--es-url', help='Elasticsearch URL (default: $ES_URL, else http://127.0.0.1:9200)')
    p.add_argument('--reuse-synthetic', action='store_true', help='query the synthetic index a previous run built with the same index options (same seed, same items)')
    args = p.parse_args()
    client = connect(args.es_url, timeout=3600)
    rec = InProcessRecommender.load(args.artifacts_dir)
    metadata = [dict(age=a, gender=g, occupation=o) for a in AGES for g in GENDERS for o in OCCUPATIONS]
    vectors = [rec.embeddings.vectors[make_query(rec.features, **m).features].sum(0) for m in metadata]
    print(f'Elasticsearch {client.server_version}; {len(metadata)} cold-start queries (age x gender x occupation), top 10', flush=True)

    start = time.perf_counter()
    index_model(client, args.artifacts_dir, ALIAS, keep=1, progress=False)
    exact, knn = (SearchRecommender(client, args.artifacts_dir, ALIAS, mode=m, candidates=args.candidates[0]) for m in ('exact', 'knn'))
    print(f'\nMovieLens 1M catalogue ({len(rec.movie_bias):,} movies, k={rec.movie_vectors.shape[1]}): indexed '
          f'{rec.features.n_features:,} documents in {time.perf_counter() - start:.1f} s; HNSW recall@10 vs exact: '
          f'{np.mean([len(set(exact.search(v).movie_id) & set(knn.search(v).movie_id)) / 10 for v in vectors]):.4f}', flush=True)
    print('\n| backend | concurrency | p50 ms | p99 ms | QPS |\n| --- | --- | --- | --- | --- |')
    report('in-process (numpy)', lambda m: rec.recommend(**m), [(m,) for m in metadata], args.requests)
    report('Elasticsearch exact (flat)', lambda m: exact.recommend(**m), [(m,) for m in metadata], args.requests)
    report('Elasticsearch approximate (HNSW)', lambda m: knn.recommend(**m), [(m,) for m in metadata], args.requests)
    rng = np.random.default_rng(0)
    kinds = {'new user (metadata)': metadata, 'known user': [dict(user=int(u)) for u in rng.choice(rec.features.values['user'], 100, replace=False)]}
    if rec.embeddings.liked is not None:
        kinds['3 liked movies'] = [dict(liked=rng.choice(rec.features.values['movie'], 3, replace=False).tolist()) for _ in range(100)]
    print('\n| backend | request | p50 ms | p50 ms, explained | added (p50 of the paired differences) |\n| --- | --- | --- | --- | --- |')
    explanation_cost('in-process (numpy)', rec, kinds, args.requests)
    explanation_cost('Elasticsearch exact (flat)', exact, kinds, args.requests)
    for index in model_indices(client, ALIAS): client.indices.delete(index=index)
    if not args.catalog_size: return

    items, bias = synthetic_catalogue(rec, args.catalog_size)
    max_norm = largest_norm(items, bias)
    ann = dict(HNSW, type=args.index_type, m=args.m, ef_construction=args.ef_construction)
    if args.oversample: ann['rescore_vector'] = dict(oversample=args.oversample)  # the index's default for every kNN search of the field
    print(f'\nsynthetic catalogue ({args.catalog_size:,} items, k={items.shape[1]}, {ann})', flush=True)
    if (args.reuse_synthetic and client.indices.exists(index=SYNTHETIC) and client.count(index=SYNTHETIC)['count'] == len(items)
            and client.indices.get_mapping(index=SYNTHETIC)[SYNTHETIC]['mappings']['_meta'].get('ann') == ann):
        print(f'reusing {SYNTHETIC}', flush=True)
    else: index_synthetic(client, items, bias, ann, max_norm, args.force_merge)
    search = lambda mode, candidates: lambda v: rank_movies(client, SYNTHETIC, v, 10, mode, candidates, max_norm)
    truth = [set(np.argpartition(-(bias + items @ v), 10)[:10].tolist()) for v in vectors]
    recall = lambda found: np.mean([len(t & set(f.movie_id)) / 10 for t, f in zip(truth, found)])
    print(f'exact (flat) agreement with numpy: {recall(map(search("exact", 10), vectors)):.4f}', flush=True)
    for candidates in args.candidates:
        print(f'HNSW recall@10 vs exact, {candidates} candidates: {recall(map(search("knn", candidates), vectors)):.4f}', flush=True)
    print('\n| backend | concurrency | p50 ms | p99 ms | QPS |\n| --- | --- | --- | --- | --- |')
    report(f'Elasticsearch approximate ({args.index_type}, {args.candidates[0]} candidates)', search('knn', args.candidates[0]), [(v,) for v in vectors], args.requests)
    report('Elasticsearch exact (flat)', search('exact', 10), [(v,) for v in vectors], max(20, args.requests // 20))


if __name__ == '__main__': main()
