"""Choose the tuned models' hyperparameters on an inner split of the training rows, never on the reported 10% split.

Usage: python bench/tune.py [--data-dir DIR] [--ranking | --new-users | --members N | --decay | --neighbours]
Without --ranking: trains the FM with all side features for each combination of batch size and learning rate below
(Adam, k=64, weight decay 1e-4, 12 epochs, lr / 10 after epoch 8) on 8/9 of the training rows and prints the RMSE on
the other 1/9 after every epoch; the best final RMSE gives `fm_recsys.train.TUNED`. (k and the weight decay were
chosen the same way before the `ratings` side feature existed, at batches of 4096 and lr 3e-3: see the README.)
With --ranking: trains the all-movies FM (`RANKER`'s other settings) for each combination of ridge penalty and target of
low ratings below and prints the known users' NDCG/Recall/HitRate@10 on the other 1/9; the best NDCG gives `RANKER`.
Then EASE's for each λ below; the best gives `fm_recsys.evaluation.EASE_LAMBDA`.
With --new-users: trains `RANKER` with each share of users shown their metadata only below and prints the known users'
NDCG@10 on the inner split, and the NDCG@10 of new users (10% of the users, disjoint from the reported held-out users,
who are left out entirely) from the metadata vectors and from new-user vectors fitted with each ridge penalty below; the
best new-user NDCG whose share keeps the known users' within 1% of the best gives `RANKER.metadata_only` and
`RANKER.new_user_ridge`.
With --members N: trains N `TUNED` FMs (seeds 42, 43, ...) and prints the RMSE of the average of the first m, for m = 1
to N; where one more member stops paying gives `AVERAGED`.
With --decay: trains `TUNED` with each per-field weight decay below (`field_decay` and `bias_decay` multipliers of its
weight decay) and prints the final RMSE; a decay that beats one rate for all must also beat it averaged to change
`TUNED` (see the README).
With --neighbours: trains `TUNED` with each number of nearest movies per movie below in its `neighbours` term and
prints the final RMSE; the best gives `TrainConfig.neighbours`.
"""
import argparse, dataclasses, itertools, tempfile

import numpy as np

from fm_recsys.data import inner_split, prepare
from fm_recsys.evaluation import evaluate, ease, fm_scores, known_user_table, rated_matrix, relevance, split_users
from fm_recsys.model import average_fms
from fm_recsys.train import RANKER, TUNED, make_trainer, new_user_vectors, predict_ratings, rmse

RMSE_GRID = dict(batch_size=(4096, 16384), lr=(3e-3, 6e-3))
RANKING_GRID = dict(ridge=(3., 10., 30.), low_rating_target=(0.2, 0.4, 0.6))
EASE_GRID = (300., 1000., 3000.)
NEW_USER_GRID = dict(metadata_only=(0.1, 0.3, 0.5, 0.7))
NEW_USER_RIDGES = (10., 100., 1000.)
DECAY_GRID = [dict(field_decay=(), bias_decay=1.), dict(field_decay=(('day', .3),), bias_decay=1.),
              dict(field_decay=(('day', 3.),), bias_decay=1.), dict(field_decay=(('movie', 2.),), bias_decay=.1),
              dict(field_decay=(('movie', 3.),), bias_decay=.1), dict(field_decay=(('movie', 2.),), bias_decay=.03),
              dict(field_decay=(('movie', 2.), ('rater', 2.)), bias_decay=.1), dict(field_decay=(('movie', 2.), ('day', 3.)), bias_decay=.1)]
NEIGHBOURS_GRID = dict(neighbours=(50, 100))


def grid(base, values):
    "(parameters, config) for every combination of `values` over the `base` configuration"
    for combo in itertools.product(*values.values()):
        params = dict(zip(values, combo))
        yield params, dataclasses.replace(base, **params)


def tuning_users(data, holdout_frac=0.1, seed=1):
    "(training rows, held-out rows, held-out user positions): `holdout_frac` of the users, none of the reported held-out users, who are left out entirely"
    reported, drawn = split_users(data), split_users(data, holdout_frac, seed)
    users = data.X[:, 0] - data.features.offsets['user']
    held = np.setdiff1d(drawn.holdout_users, reported.holdout_users)
    return (np.flatnonzero(~np.isin(users, np.union1d(drawn.holdout_users, reported.holdout_users))),
            np.flatnonzero(np.isin(users, held)), held)


def new_user_grid(data):
    "Print, for each share of metadata-only users in `NEW_USER_GRID`, the known users' NDCG (inner split) and the new users' (tuning users) for each way to serve them; then the choice"
    train_rows, holdout_rows, held = tuning_users(data)
    relevant, inner = relevance(data, holdout_rows, held), inner_split(data)
    metadata, movies = data.features.metadata_range(), data.features.field_range('movie')
    known, new = {}, {}
    for params, config in grid(RANKER, NEW_USER_GRID):
        share = params['metadata_only']
        trainer = make_trainer(data, config, train_rows).fit_rows(data, train_rows, progress=False)
        vectors = {None: None, **{lam: new_user_vectors(trainer.model, trainer.user_rows, movies, metadata, lam).numpy() for lam in NEW_USER_RIDGES}}
        for lam, new_user in vectors.items():
            new[share, lam] = evaluate({'FM': fm_scores(trainer.model, data, held, False, new_user)}, relevant).loc['FM', 'ndcg']
        known[share] = known_user_table(inner, config).loc['FM, with user vector', 'ndcg']
        print(f'{params}: known users NDCG@10 {known[share]:.4f}; new users NDCG@10 from the metadata vectors {new[share, None]:.4f}, '
              + ', '.join(f'new-user vectors λ={lam:g} {new[share, lam]:.4f}' for lam in NEW_USER_RIDGES), flush=True)
    allowed = {share for share, ndcg in known.items() if ndcg >= 0.99 * max(known.values())}
    share, lam = max((key for key in new if key[0] in allowed), key=new.get)
    print(f'choice: metadata_only={share}, new_user_ridge={lam or 0:g} (new users NDCG@10 {new[share, lam]:.4f}, known users {known[share]:.4f})')


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-dir', help='MovieLens 1M directory (default: $FM_RECSYS_DATA, else download)')
    mode = p.add_mutually_exclusive_group()
    mode.add_argument('--ranking', action='store_true', help='tune the ranker (known users) and EASE instead of the rating model')
    mode.add_argument('--new-users', action='store_true', help="tune the ranker's share of users shown their metadata only")
    mode.add_argument('--members', type=int, help='how much averaging N tuned FMs gains, member by member')
    mode.add_argument('--decay', action='store_true', help='compare per-field weight decays of the tuned FM')
    mode.add_argument('--neighbours', action='store_true', help="compare sizes of the tuned FM's movie neighbourhoods")
    args = p.parse_args()
    data = prepare(args.data_dir, tempfile.mkdtemp())
    if args.new_users: return new_user_grid(data)
    data = inner_split(data)
    print(f'inner split: {len(data.train_rows):,} training / {len(data.valid_rows):,} validation ratings')
    if args.ranking:
        for params, config in grid(RANKER, RANKING_GRID):
            fm = known_user_table(data, config).loc['FM, with user vector']
            print(f'{params}: NDCG@10 {fm.ndcg:.4f}  Recall@10 {fm.recall:.4f}  HitRate@10 {fm.hit_rate:.4f}', flush=True)
        everyone = np.arange(len(data.features.values['user']))
        seen, relevant = rated_matrix(data, data.train_rows, everyone), relevance(data, data.valid_rows, everyone)
        for lam in EASE_GRID:
            row = evaluate({'EASE': seen @ ease(seen, lam)}, relevant, exclude=seen > 0).loc['EASE']
            print(f'EASE lambda={lam:g}: NDCG@10 {row.ndcg:.4f}  Recall@10 {row.recall:.4f}  HitRate@10 {row.hit_rate:.4f}', flush=True)
        return
    if args.members:
        trainer = make_trainer(data, dataclasses.replace(TUNED, members=args.members)).fit_rows(data, data.train_rows, progress=False)
        X_valid, y_valid = trainer.features_of(data, data.valid_rows), data.y[data.valid_rows]
        for m in range(1, args.members + 1):
            print(f'average of {m} member(s): {rmse(predict_ratings(average_fms(trainer.members[:m]), X_valid), y_valid):.4f}', flush=True)
        return
    if args.decay: configs = ((params, dataclasses.replace(TUNED, **params)) for params in DECAY_GRID)
    else: configs = grid(TUNED, NEIGHBOURS_GRID if args.neighbours else RMSE_GRID)
    for params, config in configs:
        trainer = make_trainer(data, config).fit_rows(data, data.train_rows, data.valid_rows, progress=False)
        curve = ' '.join(f'{h["valid_rmse"]:.4f}' for h in trainer.history)
        print(f'{params}: final {trainer.history[-1]["valid_rmse"]:.4f}  per epoch: {curve}', flush=True)


if __name__ == '__main__': main()
