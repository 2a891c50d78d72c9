"""How reading and training cost grow with the data: a synthetic set in MovieLens 25M's layout and shape, trained on at several sizes.

Usage: python bench/scale.py [--dir data/synthetic-25m] [--sizes 1000000,5000000,25000095] [--stages read,fm,lazy,ranker] [--epochs 1]
Writes, once, 162,541 users × 59,047 movies × 25,000,095 ratings (`ratings.csv`, `movies.csv`, as in ml-25m): user
activity log-normal (at least 20 ratings each, as in MovieLens), movie popularity Zipf-like, half-star ratings from a
rank-10 model with user and movie offsets plus noise. A size below the full set takes whole users, in a seeded random
order, until it has that many ratings. Each stage runs in its own process, so its peak memory (max RSS) is its own:
`read` loads and indexes the set (`prepare`), `fm` trains one epoch of the seed FM, `lazy` the same with lazy Adam (`optimizer='lazy-adam'`), `ranker` one epoch of `RANKER`'s FM
(a full training is `RANKER.epochs` of them; its RecVAE, whose rows are as wide as the movies, is not measured here), `neighbours` finds each movie's nearest movies (the side feature of
`TUNED`; not run unless asked). Prints seconds and peak GB per stage and size, and the growth exponent
b of seconds ∝ ratings^b between the smallest and largest size.
"""
import argparse, dataclasses, json, math, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

USERS, MOVIES, RATINGS = 162_541, 59_047, 25_000_095
GENRES = ('Action', 'Adventure', 'Animation', 'Children', 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Film-Noir',
          'Horror', 'IMAX', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western')


def activity(rng, users, ratings, least=20, most=5_000):
    "Ratings per user: log-normal, clipped to [least, most], scaled to sum to `ratings`"
    raw = rng.lognormal(0, 1.1, users)
    n = np.clip(raw / raw.sum() * ratings, least, most).astype(np.int64)
    for _ in range(20):  # the clipping moves the sum: spread the difference over the users who can take it
        short = ratings - n.sum()
        if not short: break
        free = np.flatnonzero((n < most) if short > 0 else (n > least))
        n[rng.choice(free, min(abs(short), len(free)), replace=False)] += np.sign(short)
    return n


def rated_pairs(rng, per_user, movies):
    "Distinct (user, movie) pairs, `per_user[u]` for user u, movies drawn by a Zipf-like popularity"
    popularity = (np.arange(movies) + 50.) ** -0.9
    popularity = popularity[rng.permutation(movies)] / popularity.sum()  # popular movies anywhere among the ids
    def draw(missing):
        users = np.repeat(np.arange(len(per_user)), missing)
        return np.unique(users * movies + rng.choice(movies, len(users), p=popularity))
    keys = draw(per_user)
    while (missing := per_user - np.bincount(keys // movies, minlength=len(per_user))).any():  # repeats are drawn again
        drawn = draw(missing)
        at = np.searchsorted(keys, drawn).clip(max=len(keys) - 1)
        keys = np.sort(np.concatenate([keys, drawn[keys[at] != drawn]]), kind='stable')  # two sorted runs: a merge
    return keys // movies, keys % movies


def generate(path, seed=0):
    "Write the synthetic ml-25m-shaped set to the folder `path`"
    rng = np.random.default_rng(seed)
    user, movie = rated_pairs(rng, activity(rng, USERS, RATINGS), MOVIES)
    k = 10
    U, V = rng.normal(0, 1 / math.sqrt(k), (USERS, k)), rng.normal(0, 1, (MOVIES, k))
    score = 3.5 + rng.normal(0, .4, USERS)[user] + rng.normal(0, .5, MOVIES)[movie] + (U[user] * V[movie]).sum(1) + rng.normal(0, .6, len(user))
    rating = np.clip(np.round(score * 2) / 2, .5, 5.)
    order = rng.permutation(len(user))
    path.mkdir(parents=True, exist_ok=True)
    ratings = pa.table(dict(userId=user[order] + 1, movieId=movie[order] + 1, rating=rating[order],
                            timestamp=rng.integers(789_652_009, 1_574_327_703, len(user))))
    write(ratings, path/'ratings.csv')
    genres = ['|'.join(sorted(set(rng.choice(GENRES, rng.integers(1, 4))))) for _ in range(MOVIES)]
    write(pa.table(dict(movieId=np.arange(1, MOVIES + 1), title=[f'Movie {i} ({1900 + i % 120})' for i in range(1, MOVIES + 1)], genres=genres)), path/'movies.csv')


def write(table, path):
    "`table` as CSV, its header unquoted as MovieLens writes it"
    with open(path, 'wb') as f:
        f.write((','.join(table.column_names) + '\n').encode())
        pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style='none'))


def subset(full, size, seed=0):
    "The folder of the first `size` ratings of `full`'s users in a seeded random order (whole users), written once"
    if size >= RATINGS: return full
    path = full.with_name(f'{full.name}-{size}')
    if (path/'ratings.csv').exists(): return path
    ratings = pacsv.read_csv(full/'ratings.csv').to_pandas()
    counts = ratings.userId.value_counts().sample(frac=1, random_state=seed)
    users = counts.index[:np.searchsorted(counts.cumsum().to_numpy(), size) + 1]
    part = ratings[ratings.userId.isin(users)]
    movies = pacsv.read_csv(full/'movies.csv').to_pandas()
    path.mkdir(exist_ok=True)
    write(pa.Table.from_pandas(part, preserve_index=False), path/'ratings.csv')
    write(pa.Table.from_pandas(movies[movies.movieId.isin(part.movieId)], preserve_index=False), path/'movies.csv')
    return path


def stage(name, data_dir, epochs=1):
    "Run one stage on the set in `data_dir` (training: `epochs` epochs); its seconds"
    import warnings
    from fm_recsys.data import DataWarning, prepare
    from fm_recsys.features import movie_neighbours
    from fm_recsys.train import RANKER, TrainConfig, make_trainer
    warnings.simplefilter('ignore', DataWarning)  # synthetic: its counts are not the official set's, by design
    start = time.perf_counter()
    data = prepare(data_dir, tempfile.mkdtemp(), dataset='ml-25m')
    if name == 'read': return time.perf_counter() - start
    if name == 'neighbours':
        start = time.perf_counter()
        movie_neighbours(data)
        return time.perf_counter() - start
    config = dict(fm=TrainConfig(epochs=epochs), lazy=TrainConfig(epochs=epochs, optimizer='lazy-adam'), ranker=dataclasses.replace(RANKER, epochs=epochs, recvae_epochs=0))[name]
    return sum(h['seconds'] for h in make_trainer(data, config).fit_rows(data, data.train_rows, progress=False).history)


def peak_gb():
    "This process's peak resident memory, GB: VmHWM, which starts afresh at exec (ru_maxrss keeps the parent's peak from before it)"
    kb = next(line.split()[1] for line in Path('/proc/self/status').read_text().splitlines() if line.startswith('VmHWM:'))
    return int(kb) / 2**20


def measure(name, data_dir, epochs=1):
    "Seconds and peak GB of `stage(name, data_dir)` in a process of its own"
    out = subprocess.run([sys.executable, __file__, '--stage', name, '--dir', str(data_dir), '--epochs', str(epochs)], capture_output=True, text=True)
    if out.returncode: sys.exit(f'stage {name} on {data_dir} failed:\n{out.stderr[-2000:]}')
    return json.loads(out.stdout.splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--dir', type=Path, default=Path('data/synthetic-25m'), help='where the synthetic set is (written if missing)')
    p.add_argument('--sizes', default=f'1000000,5000000,{RATINGS}', help='numbers of ratings, comma-separated')
    p.add_argument('--stages', default='read,fm,lazy,ranker', help='stages to run, comma-separated: read, fm (seed FM, Adam), lazy (seed FM, lazy Adam), ranker, neighbours')
    p.add_argument('--epochs', type=int, default=1, help='epochs of each training stage (RANKER trains 25)')
    p.add_argument('--stage', help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.stage:
        seconds = stage(args.stage, args.dir, args.epochs)
        return print(json.dumps(dict(seconds=seconds, peak_gb=peak_gb())))
    if not (args.dir/'ratings.csv').exists():
        start = time.perf_counter()
        generate(args.dir)
        print(f'wrote {args.dir} in {time.perf_counter() - start:.0f} s')
    sizes, stages = [int(s) for s in args.sizes.split(',')], args.stages.split(',')
    results = {}
    print(f'{"stage":<8} {"ratings":>12} {"seconds":>9} {"peak GB":>8}')
    for name in stages:
        for size in sizes:
            results[name, size] = r = measure(name, subset(args.dir, size), args.epochs)
            print(f'{name:<8} {size:>12,} {r["seconds"]:>9.1f} {r["peak_gb"]:>8.2f}', flush=True)
        if len(sizes) > 1:
            lo, hi = results[name, sizes[0]]['seconds'], results[name, sizes[-1]]['seconds']
            print(f'{name:<8} growth exponent {math.log(hi / lo) / math.log(sizes[-1] / sizes[0]):.2f}  ({hi / lo:.1f}× the time for {sizes[-1] / sizes[0]:.0f}× the ratings)')


if __name__ == '__main__':
    main()
