"""Ranking quality on RecBole's MovieLens 1M protocol, beside the table RecBole published for it.

Usage: python bench/published.py [--data-dir DIR] [--seeds 1 2 3] [--models REGEX] [--choose] [--ranker SETTING]
The protocol of RecBole's benchmark of general recommendation (`benchmark/md/ml-1m_general.md`): ratings below 3
removed and every remaining rating a positive; users and movies with fewer than 10 of them removed, again until none
is left (834,449 interactions); each user's interactions shuffled and split 80/10/10 (RecBole's counts: int(10%) for
validation and for test, the rest for training); every remaining movie ranked, the user's training movies masked (and
for the test, the validation ones); NDCG@10 against an ideal of min(10, test movies), Recall@10 over all the user's
test movies, Hit@10. Prints the protocol's counts, then each model's test figures, mean ± standard deviation over the
split seeds, under the published rows. RecBole's `Pop` does not rank by popularity: it adds 1 per distinct item in each
training batch, negatives included, so it is reproduced as it counts (the row "Pop, counted as RecBole counts") beside
true popularity. iALS, untuned and tuned, and RecVAE (cornac's, about 5 s an epoch) come from bench/baselines.py
(`pip install -e .[bench]`). The ranker + EASE row adds the
two models' scores, each standardised per user, to see what the ranker adds to EASE. --choose first prints the
validation NDCG@10 of each EASE λ, EDLAE and iALS setting, RecVAE epoch count, ranker setting and blend weight tried (on the
first split seed only); the test table then uses the best of each (without --choose: EASE λ=1000, the ranker's setting --ranker names, the EDLAE and
iALS settings --edlae and --ials give, --recvae-epochs and a weight of 0.5). The ranker + RecVAE + EDLAE row adds the three
models' standardised scores, its weights chosen on validation over a simplex grid (without --choose: --ensemble). The
ranker + RecVAE, one dot product row adds the two models' raw scores, each divided by its spread over every user and
movie, so that the sum stays one dot product (of the query vectors side by side against the movie vectors side by
side), the ranker's share chosen on validation (without --choose: --dot-weight).
"""
import argparse, dataclasses, functools, re, tempfile, time

import numpy as np
import pandas as pd

from fm_recsys.data import prepare
from fm_recsys.evaluation import ease, fm_scores, history_scores, rated_matrix, ranking_metrics, top_k
from fm_recsys.train import RANKER, TrainConfig, make_trainer
from baselines import EDLAE_GRID, IALS_GRID, IALS_UNTUNED, RECVAE_EPOCHS, edlae_scores, epochs_search, grid_search, ials_scores, recvae_scores

# RecBole's published test figures: NDCG@10, Recall@10, Hit@10
PUBLISHED = {'ADMMSLIM': (0.2904, 0.2134, 0.7804), 'EASE (λ=1000)': (0.2865, 0.2139, 0.7837), 'RecVAE': (0.2795, 0.2163, 0.7877),
             'SLIMElastic': (0.2782, 0.2035, 0.7638), 'NCL': (0.2679, 0.2003, 0.7638), 'MultiVAE': (0.2523, 0.1995, 0.7650),
             'LightGCN': (0.2478, 0.1823, 0.7316), 'BPR': (0.2407, 0.1725, 0.7131), 'Pop': (0.1006, 0.0699, 0.4572)}
PUBLISHED_INTERACTIONS = 834_449
# the ranker's settings tried on the validation part (--choose); RANKER itself first. Its FM's settings were chosen
# without the history half (recvae_epochs=0), then the half's epochs and share with the FM's chosen settings
FM_ONLY = dict(recvae_epochs=0)
RANKER_SETTINGS = {'RANKER': {}, 'RANKER, no metadata-only users': dict(metadata_only=0.),
                   **{f'RANKER, no metadata-only users, RecVAE {n} epochs': dict(metadata_only=0., recvae_epochs=n) for n in (20, 30)},
                   **{f'RANKER, no metadata-only users, RecVAE share {s:g}': dict(metadata_only=0., recvae_share=s) for s in (0.7, 0.9)},
                   **{f'RANKER without its history half{name}': FM_ONLY | changes for name, changes in {
                       '': {}, ', 3 stars a full positive': dict(low_rating_target=1.), ', no metadata-only users': dict(metadata_only=0.),
                       ', k=512': dict(k=512), ', ridge 3': dict(ridge=3.), ', ridge 30': dict(ridge=30.),
                       ', 40 epochs (lr drop after 30)': dict(epochs=40, milestones=(30,))}.items()}}
EASE_LAMBDAS = (100., 300., 1000., 3000.)  # EASE's λ tried on the validation part (--choose)
BLEND_WEIGHTS = (0.3, 0.5, 0.7)  # the ranker's share of the ranker + EASE blend tried on the validation part (--choose)
# the ranker's and RecVAE's shares of the ranker + RecVAE + EDLAE blend tried on the validation part (--choose): every
# point of the simplex at steps of 0.05, EDLAE taking the rest
ENSEMBLE_WEIGHTS = [(r / 20, v / 20) for r in range(21) for v in range(21 - r)]
DOT_WEIGHTS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7)  # the ranker's share of the ranker + RecVAE sum of scaled raw scores tried on the validation part (--choose)


def protocol_rows(data, min_count=10):
    "Rows of `data` the protocol keeps: ratings of 3 or more, then only users and movies with `min_count` of them, until none is left out"
    keep = np.flatnonzero(data.y >= 3)
    while True:
        user, movie = data.X[keep, 0], data.X[keep, 1]
        enough = (np.bincount(user)[user] >= min_count) & (np.bincount(movie)[movie] >= min_count)
        if enough.all(): return keep
        keep = keep[enough]


def split_per_user(data, rows, seed):
    "RecBole's random 80/10/10 split of each user's `rows`: (train, valid, test) rows"
    rows = np.random.default_rng(seed).permutation(rows)
    rows = rows[np.argsort(data.X[rows, 0], kind='stable')]  # grouped by user, shuffled within
    users = data.X[rows, 0]
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    parts = [], [], []
    for start, end in zip(starts, np.r_[starts[1:], len(rows)]):
        n_valid = n_test = int(0.1 * (end - start))  # every user has ≥ 10, so RecBole's rounding rule for < 1 never applies
        n_train = end - start - n_valid - n_test
        for part, (a, b) in zip(parts, [(0, n_train), (n_train, n_train + n_valid), (n_train + n_valid, end - start)]): part.append(rows[start + a:start + b])
    return tuple(np.concatenate(p) for p in parts)


@dataclasses.dataclass(eq=False)  # hashed by identity: a split's scores are cached per split
class Split:
    "One seeded split of the protocol's rows, as matrices over its users and every movie"
    data: object
    seed: int
    users: np.ndarray  # user positions
    movies: np.ndarray  # boolean over movie positions: kept by the protocol
    train: np.ndarray  # rows
    seen: np.ndarray  # users × movies: training movies
    valid: np.ndarray  # users × movies, boolean
    test: np.ndarray

    @classmethod
    def make(cls, data, rows, seed):
        train, valid, test = split_per_user(data, rows, seed)
        users = np.unique(data.X[rows, 0]) - data.features.offsets['user']
        movies = np.zeros(len(data.features.values['movie']), bool)
        movies[np.unique(data.X[rows, 1]) - data.features.offsets['movie']] = True
        return cls(data, seed, users, movies, train, rated_matrix(data, train, users), rated_matrix(data, valid, users) > 0, rated_matrix(data, test, users) > 0)

    def metrics(self, scores, on='test'):
        "NDCG@10, Recall@10, Hit@10 of `scores` (users × movies, or one score per movie) on the validation or test movies"
        masked = ~self.movies[None] | (self.seen > 0) | (self.valid if on == 'test' else False)
        return ranking_metrics(top_k(np.broadcast_to(scores, self.seen.shape), 10, masked), self.test if on == 'test' else self.valid)


def recbole_pop(split, seed, batch=2048):
    "Popularity as RecBole's `Pop` counts it, which its published row measures: per training batch of `batch` rows and as many uniform negatives, +1 for each distinct item in it (repeated indices do not add up in `item_cnt[item] += 1`)"
    rng, count = np.random.default_rng(seed), np.zeros(len(split.movies))
    movie, kept = split.data.X[split.train, 1] - split.data.features.offsets['movie'], np.flatnonzero(split.movies)
    order = rng.permutation(len(movie))
    for start in range(0, len(order), batch):
        positives = movie[order[start:start + batch]]
        count[np.unique(np.r_[positives, rng.choice(kept, len(positives))])] += 1
    return count


def fm_model_scores(split, config):
    "Scores of an FM trained with `config` on the split's training rows (implicit sets from them too), each user by their own vector and, with `recvae_epochs`, the history half"
    trainer = make_trainer(split.data, config, rows=split.train).fit_rows(split.data, split.train, progress=False)
    return fm_scores(trainer.model, split.data, split.users, with_user=True) + history_scores(trainer.history_half, split.seen > 0)


def finite(scores):
    "`scores` with a movie a model cannot score (−inf) at the model's lowest score"
    return np.where(np.isfinite(scores), scores, np.min(scores, where=np.isfinite(scores), initial=np.inf))


def standardised(split, scores):
    "Each user's `scores` (users × movies, see `finite`) centred and scaled over the movies the protocol may rank for them, so that two models' scores add up"
    scores = finite(scores)
    rankable = split.movies[None] & (split.seen == 0)
    n = rankable.sum(1, keepdims=True)
    mean = np.where(rankable, scores, 0).sum(1, keepdims=True) / n
    return (scores - mean) / np.sqrt(np.where(rankable, (scores - mean) ** 2, 0).sum(1, keepdims=True) / n)


def blend(split, *weighted_scores):
    "The sum of each model's standardised scores times its weight, given as (weight, scores) pairs"
    return sum(weight * standardised(split, scores) for weight, scores in weighted_scores)


def one_dot_product(split, *weighted_scores):
    "The sum of each model's raw scores, divided by their spread over every user's rankable movies, times its weight: one fixed factor per model, so that two models that score by a dot product (RecVAE's decoder is linear in its latent vector) add up to one dot product of their vectors side by side"
    def scaled(scores):
        scores = finite(scores)
        return scores / scores[split.movies[None] & (split.seen == 0)].std()
    return sum(weight * scaled(scores) for weight, scores in weighted_scores)


def ensemble(split, weights, ranker_scores, recvae_scores, edlae_scores):
    "The ranker + RecVAE + EDLAE blend: the ranker's and RecVAE's `weights`, EDLAE's the rest"
    (ranker, recvae), edlae = weights, 1 - sum(weights)
    return blend(split, (ranker, ranker_scores), (recvae, recvae_scores), (edlae, edlae_scores))


@dataclasses.dataclass
class Choices:
    "The settings each model is run with: the ranker's (name, config), EASE's λ, EDLAE's and iALS's settings, the ranker's weight beside EASE, RecVAE's epochs, the ranker's and RecVAE's weights beside EDLAE and the ranker's share of its one dot product with RecVAE"
    ranker: tuple
    lam: float
    edlae: dict
    ials: dict
    weight: float
    recvae_epochs: int
    ensemble: tuple
    dot_weight: float


def models(c: Choices):
    "name -> function of a split giving its scores"
    once = functools.lru_cache(maxsize=1)  # a model's own row and the blends share one training
    ranker_scores, recvae_of = once(lambda s: fm_model_scores(s, c.ranker[1])), once(lambda s: recvae_scores(s.seen, c.recvae_epochs))
    edlae_of = once(lambda s: edlae_scores(s.seen, **c.edlae))
    ranker_share, recvae_share = c.ensemble
    return {'Pop': lambda s: s.seen.sum(0), 'Pop, counted as RecBole counts': lambda s: recbole_pop(s, s.seed), 'EASE (λ=1000)': lambda s: s.seen @ ease(s.seen, 1000.),
            f'EASE, λ chosen on validation ({c.lam:g})': lambda s: s.seen @ ease(s.seen, c.lam), f'EDLAE, chosen on validation ({c.edlae})': edlae_of,
            'iALS, untuned': lambda s: ials_scores(s.seen, **IALS_UNTUNED), f'iALS, tuned on validation ({c.ials})': lambda s: ials_scores(s.seen, **c.ials),
            f'RecVAE (cornac), epochs chosen on validation ({c.recvae_epochs})': recvae_of,
            'seed FM (ratings, MSE)': lambda s: fm_model_scores(s, TrainConfig()), f'fm-recsys {c.ranker[0]}': ranker_scores,
            f'fm-recsys {c.ranker[0]} + EASE (λ={c.lam:g}), weight {c.weight:g}': lambda s: blend(s, (c.weight, ranker_scores(s)), (1 - c.weight, s.seen @ ease(s.seen, c.lam))),
            f'fm-recsys {c.ranker[0]} + RecVAE + EDLAE, weights {ranker_share:g} / {recvae_share:g} / {1 - ranker_share - recvae_share:g}':
                lambda s: ensemble(s, c.ensemble, ranker_scores(s), recvae_of(s), edlae_of(s)),
            f'fm-recsys {c.ranker[0]} + RecVAE, one dot product, weight {c.dot_weight:g}': lambda s: one_dot_product(s, (c.dot_weight, ranker_scores(s)), (1 - c.dot_weight, recvae_of(s)))}


def choose(split, given: Choices, wanted):
    "The settings of each `wanted` model with the best validation NDCG@10 on `split`, printing each one tried; those of the others stay as `given`"
    c, validation_ndcg = dataclasses.replace(given), lambda scores: split.metrics(scores, on='valid')['ndcg']
    table_head = '\n| model | validation NDCG@10 | seconds |\n| --- | --- | --- |'
    def tried(name, scores_of):
        start = time.perf_counter()
        ndcg = validation_ndcg(scores_of())
        print(f'| {name} | {ndcg:.4f} | {time.perf_counter() - start:.0f} |', flush=True)
        return ndcg
    if wanted('EASE'):
        print(table_head)
        c.lam = max(EASE_LAMBDAS, key=lambda lam: tried(f'EASE, λ={lam:g}', lambda: split.seen @ ease(split.seen, lam)))
    if wanted('EDLAE'): c.edlae = grid_search(EDLAE_GRID, lambda **point: validation_ndcg(edlae_scores(split.seen, **point)))
    if wanted('iALS'): c.ials = grid_search(IALS_GRID, lambda **point: validation_ndcg(ials_scores(split.seen, **point)))
    if wanted('RecVAE'): c.recvae_epochs = epochs_search(RECVAE_EPOCHS, lambda n, on_epoch: recvae_scores(split.seen, n, on_epoch=on_epoch), validation_ndcg)
    if wanted('fm-recsys'):
        print(table_head)
        configs = {name: dataclasses.replace(RANKER, **changes) for name, changes in RANKER_SETTINGS.items()}
        name = max(configs, key=lambda name: tried(name, lambda: fm_model_scores(split, configs[name])))
        c.ranker = name, configs[name]
    # the blends below share one fit of each model
    ranker_fit, recvae_fit = (functools.cache(fit) for fit in (lambda: fm_model_scores(split, c.ranker[1]), lambda: recvae_scores(split.seen, c.recvae_epochs)))
    if wanted('+ EASE'):
        print(table_head)
        ranker_scores, ease_scores = ranker_fit(), split.seen @ ease(split.seen, c.lam)
        c.weight = max(BLEND_WEIGHTS, key=lambda w: tried(f'{c.ranker[0]} + EASE, weight {w:g}', lambda: blend(split, (w, ranker_scores), (1 - w, ease_scores))))
    if wanted('+ RecVAE + EDLAE'):
        print('\n| the ranker\'s weight | RecVAE\'s | EDLAE\'s | validation NDCG@10 |\n| --- | --- | --- | --- |')
        scores = ranker_fit(), recvae_fit(), edlae_scores(split.seen, **c.edlae)
        def ensemble_ndcg(weights):
            ndcg = validation_ndcg(ensemble(split, weights, *scores))
            print(f'| {weights[0]:g} | {weights[1]:g} | {1 - sum(weights):g} | {ndcg:.4f} |', flush=True)
            return ndcg
        c.ensemble = max(ENSEMBLE_WEIGHTS, key=ensemble_ndcg)
    if wanted('+ RecVAE, one dot product'):
        print(table_head)
        ranker_scores, recvae = ranker_fit(), recvae_fit()
        c.dot_weight = max(DOT_WEIGHTS, key=lambda w: tried(f'{c.ranker[0]} + RecVAE, one dot product, weight {w:g}', lambda: one_dot_product(split, (w, ranker_scores), (1 - w, recvae))))
    print(f'\nchosen on validation: EASE λ={c.lam:g}; EDLAE {c.edlae}; iALS {c.ials}; RecVAE {c.recvae_epochs} epochs; {c.ranker[0]}; its weight beside EASE {c.weight:g}; '
          f'the ranker\'s and RecVAE\'s weights beside EDLAE {c.ensemble}; its share of one dot product with RecVAE {c.dot_weight:g}\n')
    return c


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-dir', help='MovieLens 1M directory (default: $FM_RECSYS_DATA, else download)')
    p.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3], help='split seeds')
    p.add_argument('--models', default='', help='only the models whose name matches this regular expression')
    p.add_argument('--choose', action='store_true', help="choose EASE's λ, EDLAE's and iALS's settings, RecVAE's epochs and the ranker's setting on the validation part of the first split seed (of the models --models names)")
    p.add_argument('--ranker', default='RANKER', choices=RANKER_SETTINGS, help="the ranker's setting without --choose")
    p.add_argument('--ials', default='512,50,4', help="iALS's factors,regularization,alpha without --choose")
    p.add_argument('--edlae', default='300,1', help="EDLAE's λ,odds without --choose")
    p.add_argument('--recvae-epochs', type=int, default=90, help="RecVAE's epochs without --choose")
    p.add_argument('--ensemble', default='0.1,0.8', help="the ranker's and RecVAE's weights in the ranker + RecVAE + EDLAE blend (EDLAE's: the rest) without --choose")
    p.add_argument('--dot-weight', type=float, default=0.2, help="the ranker's share of its one dot product with RecVAE without --choose")
    args = p.parse_args()
    data = prepare(args.data_dir, tempfile.mkdtemp())
    rows = protocol_rows(data)
    print(f'{len(rows):,} interactions after the filters (published: {PUBLISHED_INTERACTIONS:,}), '
          f'{len(np.unique(data.X[rows, 0])):,} users, {len(np.unique(data.X[rows, 1])):,} movies\n')
    factors, regularization, alpha = args.ials.split(',')
    lam, odds = map(float, args.edlae.split(','))
    given = Choices((args.ranker, dataclasses.replace(RANKER, **RANKER_SETTINGS[args.ranker])), 1000., dict(lam=lam, odds=odds), dict(factors=int(factors), regularization=float(regularization), alpha=float(alpha)), 0.5, args.recvae_epochs,
                    tuple(map(float, args.ensemble.split(','))), args.dot_weight)
    wanted = lambda name: re.search(args.models, name)
    chosen = {name: run for name, run in models(choose(Split.make(data, rows, args.seeds[0]), given, wanted) if args.choose else given).items() if wanted(name)}
    results = {name: [] for name in chosen}
    for seed in args.seeds:
        split = Split.make(data, rows, seed)
        for name, scores_of in chosen.items():
            start = time.perf_counter()
            results[name].append(split.metrics(scores_of(split)))
            print(f'split seed {seed}: {name}: NDCG@10 {results[name][-1]["ndcg"]:.4f} ({time.perf_counter() - start:.0f} s)', flush=True)
    print(f'\n| model | NDCG@10 | Recall@10 | Hit@10 |\n| --- | --- | --- | --- |')
    for name, (ndcg, recall, hit) in PUBLISHED.items(): print(f'| {name}, published | {ndcg:.4f} | {recall:.4f} | {hit:.4f} |')
    for name, runs in results.items():
        frame = pd.DataFrame(runs)
        print(f'| {name}, {len(runs)} split seeds | ' + ' | '.join(f'{frame[m].mean():.4f} ± {frame[m].std(ddof=0):.4f}' for m in ('ndcg', 'recall', 'hit_rate')) + ' |')


if __name__ == '__main__': main()
