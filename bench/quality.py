"""Rating accuracy and ranking quality on MovieLens 1M, as reported in the README.

Usage: python bench/quality.py [--data-dir DIR] [--only rmse|ranking] [--rows REGEX]
Prints, on the seeded 10% split: validation RMSE and training time of the global mean, a bias-only model, the seed's
FM, the tuned FM (hyperparameters chosen on an inner split by bench/tune.py), the tuned FM with each side feature
alone and with all of them (`TUNED`), the same without `neighbours`, the same with a per-field weight decay, the
average of 4 of each (`AVERAGED`, the best model, averages `TUNED`), and the Netflix-prize variant whose implicit
sets also hold the validation pairs (without their ratings). Then NDCG/Recall/HitRate@10 for new users (10% of users
held out, ranked from metadata alone) and for known users (their 10%-split movies rated 4+, training movies
excluded), for the seed FM, the tuned FM (`TUNED`), the average of 4 of them (`AVERAGED`) and the ranker (`RANKER`,
the all-movies FM with liked movies, chosen on the inner split), each against popularity, demographic popularity
(new users), EASE (known users), shrunk-mean and random; iALS (the `implicit` package, `pip install -e .[bench]`) for
known users, untuned and tuned on the inner split (bench/baselines.py), and RecVAE (cornac's, the same extra) with its
epochs chosen on the inner split; and for the ranker, visitors' liked movies (1, 3, 5 revealed) against EASE given the same movies.
"""
import argparse, dataclasses, re, tempfile, time

import numpy as np
import pandas as pd

from baselines import IALS_GRID, IALS_UNTUNED, RECVAE_EPOCHS, epochs_search, grid_search, ials_scores, recvae_scores

from fm_recsys.data import inner_split, prepare
from fm_recsys.features import SIDE_FEATURES
from fm_recsys.evaluation import cold_start_table, evaluate, known_user_table, liked_table, rated_matrix, relevance
from fm_recsys.train import AVERAGED, RANKER, TUNED, TrainConfig, make_trainer, rmse


def rmse_rows():
    "(name, config) of every row of the RMSE table"
    plain = dataclasses.replace(TUNED, side=())
    decayed = dataclasses.replace(TUNED, field_decay=(('movie', 2.),), bias_decay=.1)
    return [('biases only (seed, k=0)', TrainConfig(k=0)), ('seed FM (k=120)', TrainConfig()), ('tuned FM, no side features', plain),
            *((f'tuned FM + {name}', dataclasses.replace(plain, side=(name,))) for name in SIDE_FEATURES),
            ('tuned FM + all side features (TUNED)', TUNED), ('  same without neighbours', dataclasses.replace(TUNED, side=tuple(f for f in TUNED.side if f != 'neighbours'))),
            ('  same, movies decay ×2, weights ×0.1', decayed),
            ('best: 4 TUNED averaged (AVERAGED)', AVERAGED), ('  4 of the decayed ones averaged', dataclasses.replace(decayed, members=4)),
            ('  AVERAGED, implicit sets + 10%-split pairs*', dataclasses.replace(AVERAGED, implicit_from_valid=True))]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-dir', help='MovieLens 1M directory (default: $FM_RECSYS_DATA, else download)')
    p.add_argument('--only', choices=('rmse', 'ranking'), help='print only this table (default: both)')
    p.add_argument('--rows', default='', help='only the RMSE rows and ranking models whose name matches this regular expression')
    args = p.parse_args()
    data = prepare(args.data_dir, tempfile.mkdtemp())
    print(f'MovieLens 1M, {len(data.train_rows):,} training / {len(data.valid_rows):,} validation ratings (split seed {data.info["seed"]})\n')
    if args.only != 'ranking': rmse_table(data, args.rows)
    if args.only != 'rmse': ranking_tables(data, args.rows)


def rmse_table(data, rows=''):
    "Print validation RMSE and training time of the rows of `rmse_rows` whose name matches `rows`, after the global mean"
    y, yv = data.y[data.train_rows], data.y[data.valid_rows]
    print(f'{"model":<42} {"valid RMSE":>10} {"train s":>8}')
    print(f'{"global mean":<42} {rmse(np.full(len(yv), y.mean()), yv):>10.4f} {0:>8.1f}')
    for name, config in rmse_rows():
        if not re.search(rows, name): continue
        start = time.perf_counter()
        trainer = make_trainer(data, config).fit_rows(data, data.train_rows, data.valid_rows, progress=False)
        print(f'{name:<42} {trainer.history[-1]["valid_rmse"]:>10.4f} {time.perf_counter() - start:>8.1f}', flush=True)
    print('* uses which movies the validation users rated (not how): Netflix-prize style, not comparable to the rows above')


def ranking_tables(data, models=''):
    "Print the new-user and known-user ranking tables of the seed FM, the tuned FM, their average and the ranker (those matching `models`), ALS's, and the ranker's liked-movies table"
    show = lambda table: print(table.to_string(float_format=lambda v: f'{v:.4f}'), flush=True)
    for title, config in (('seed FM', TrainConfig()), ('tuned FM (RMSE, all side features)', TUNED),
                          ('averaged FM (RMSE, 4 tuned members)', AVERAGED), ('ranker (all movies, liked movies; RANKER)', RANKER)):
        if not re.search(models, title): continue
        print(f'\n== {title}\nnew users: 10% of users held out, ranked from age, gender and occupation alone')
        table, alpha = cold_start_table(data, config)
        show(table)
        print('(alpha chosen on users held out of the training users)')
        print('known users: their 10%-split movies rated 4+, movies rated in training excluded')
        start = time.perf_counter()
        table = known_user_table(data, config)
        show(table)
        print(f'(training and scoring: {time.perf_counter() - start:.0f} s)')
        if 'liked' in config.side:
            print("new users' liked movies: 1, 3 or 5 of a held-out user's movies rated 4+ given, the rest ranked")
            show(liked_table(data, config))
    if re.search(models, 'ALS'):
        print('\n== iALS (implicit), known users: its settings chosen on the inner split by the same NDCG@10')
        inner, known = KnownUsers(inner_split(data)), KnownUsers(data)
        tuned = grid_search(IALS_GRID, lambda **point: inner.metrics(ials_scores(inner.seen, **point))['ndcg'])
        show(pd.DataFrame({f'iALS, untuned {IALS_UNTUNED}': known.metrics(ials_scores(known.seen, **IALS_UNTUNED)),
                           f'iALS, tuned {tuned}': known.metrics(ials_scores(known.seen, **tuned))}).T)
    if re.search(models, 'RecVAE'):
        print('\n== RecVAE (cornac), known users: its epochs chosen on the inner split by the same NDCG@10')
        inner, known = KnownUsers(inner_split(data)), KnownUsers(data)
        epochs = epochs_search(RECVAE_EPOCHS, lambda n, on_epoch: recvae_scores(inner.seen, n, on_epoch=on_epoch), lambda scores: inner.metrics(scores)['ndcg'])
        show(pd.DataFrame({f'RecVAE, {epochs} epochs': known.metrics(recvae_scores(known.seen, epochs))}).T)


class KnownUsers:
    "`data`'s binary users × movies training matrix over every user (`seen`), and the known-user metrics of scores against its validation rows"
    def __init__(self, data):
        everyone = np.arange(len(data.features.values['user']))
        self.seen, self.relevant = rated_matrix(data, data.train_rows, everyone), relevance(data, data.valid_rows, everyone)

    def metrics(self, scores):
        "Known-user ranking metrics (a Series) of `scores` (users × movies), training movies excluded"
        return evaluate({'model': scores}, self.relevant, exclude=self.seen > 0).loc['model']

if __name__ == '__main__': main()
