"""What a Bayesian FM reaches on the same split and features: a reference for the RMSE target, not part of fm-recsys.

Usage: pip install myfm 'setuptools<81'
       python bench/bayesian_fm.py [--data-dir DIR] [--k 32] [--sweeps 200] [--only regression|ordinal] [--ratings-folds K] [--day]
Trains myFM (Rendle's Gibbs sampler for FMs, a compiled library; fm-recsys itself trains its FMs with Adam in PyTorch)
on the 90% with the user's age, gender and occupation and the side features genres, year, rated and raters, one
hyperprior group per field, and prints the RMSE on the reported 10% and the training time: first with a Gaussian
likelihood, then with an ordered probit over the five ratings (predicting the expected rating). The `ratings` side
feature's leave-out of each row's own rating cannot be expressed in myFM's shared relation blocks, so by default it is
left out; --ratings-folds K adds it in K folds instead: a training row carries its user's ratings from the other K-1
folds of the training rows, a prediction all of them. --day adds the `day` side feature, one-hot per rating.
"""
import argparse, tempfile, time

import numpy as np
import scipy.sparse as sps

from fm_recsys.data import prepare
from fm_recsys.features import side_features
from fm_recsys.train import rmse

try: import myfm
# myFM 0.4 imports pkg_resources, which setuptools dropped in version 81
except ImportError as e: raise SystemExit(f"bench/bayesian_fm.py needs myFM, which fm-recsys does not depend on ({e}): pip install myfm 'setuptools<81'")

SIDE = ('genres', 'year', 'rated', 'raters')
BURN_IN = 10  # sweeps whose samples are not averaged


def ratings_bag(data, folds, seed=0):
    "The fold of each training row, and the users' training ratings (r − μ)/√n as a bag per (user, fold): row u·(folds+1)+f holds the ratings outside fold f, row u·(folds+1)+folds all of them"
    user0, movie0, n_users = data.features.offsets['user'], data.features.offsets['movie'], len(data.features.values['user'])
    tr = data.train_rows
    users, movies, r = data.X[tr, 0] - user0, data.X[tr, 1] - movie0, data.y[tr]
    fold = np.random.default_rng(seed).integers(folds, size=len(tr))
    row, bag = np.repeat(np.arange(len(tr)), folds + 1), np.tile(np.arange(folds + 1), len(tr))
    joins = bag != fold[row]  # a rating joins every bag but its own fold's
    row, bag = row[joins], bag[joins]
    keys = users[row] * (folds + 1) + bag
    count = np.bincount(keys, minlength=n_users * (folds + 1))
    weights = (r[row] - r.mean()) / np.sqrt(count[keys])
    return fold, sps.csr_matrix((weights, (keys, movies[row])), shape=(n_users * (folds + 1), len(data.features.values['movie'])))


def day_onehot(data):
    "Each rating's `day` feature (see `side_features`) as one-hot rows: its (user, day) pair from training, 'before', or an unseen day"
    side = side_features(data, ('day',))
    code = side.day - side.offsets['day']
    return sps.csr_matrix((np.ones(len(code)), (np.arange(len(code)), code)), shape=(len(code), len(side.labels['day'])))


def relation_blocks(data, ratings_folds=0):
    "A function from row numbers (and whether they are the training rows) to their myFM relation blocks (user and movie: one-hot features plus what they carry; optionally the user's ratings, see `ratings_bag`), and each column's hyperprior group"
    side = side_features(data, SIDE)
    fi, n = data.features, side.n_features
    own = (sps.identity(n, format='csr') + sps.csr_matrix((side.values, side.indices, side.indptr), shape=(n, n))).tocsr()
    user0, movie0 = fi.offsets['user'], fi.offsets['movie']
    users, first_row = np.unique(data.X[:, 0], return_index=True)
    # a user's block row: the user, what the user carries, and the user's age, gender and occupation
    user_x = data.X[first_row][:, [0, 2, 3, 4]]
    select = sps.csr_matrix((np.ones(user_x.size), (np.repeat(users - user0, 4), user_x.ravel())), shape=(len(users), n))
    starts = np.sort([*fi.offsets.values(), *side.offsets.values()])
    field = np.searchsorted(starts, np.arange(n), side='right') - 1
    # each block keeps only the columns it uses: myFM samples one parameter per column and block
    user_block, movie_block = (select @ own).tocsr(), own[movie0:movie0 + len(fi.values['movie'])]
    user_cols, movie_cols = np.unique(user_block.indices), np.unique(movie_block.indices)
    user_block, movie_block = user_block[:, user_cols], movie_block[:, movie_cols]
    groups = np.concatenate([field[user_cols], field[movie_cols]]).tolist()
    if ratings_folds:
        fold, bag = ratings_bag(data, ratings_folds)
        groups += [max(groups) + 1] * bag.shape[1]
    def blocks(rows, training=False):
        row_users = data.X[rows, 0] - user0
        out = [myfm.RelationBlock(row_users, user_block), myfm.RelationBlock(data.X[rows, 1] - movie0, movie_block)]
        if ratings_folds: out.append(myfm.RelationBlock(row_users * (ratings_folds + 1) + (fold if training else ratings_folds), bag))
        return out
    return blocks, groups


def fit_predict(data, X, blocks, groups, ordinal, k, sweeps, seed=42):
    "Validation predictions of a Gibbs-sampled FM over each rating's own columns `X` and `relation_blocks`, trained on the training rows, and the training time in seconds"
    tr, va = data.train_rows, data.valid_rows
    y = data.y[tr]
    model = (myfm.MyFMOrderedProbit if ordinal else myfm.MyFMRegressor)(rank=k, random_seed=seed)
    start = time.perf_counter()
    model.fit(X[tr], y.astype(int) - 1 if ordinal else y, X_rel=blocks(tr, training=True),
              n_iter=sweeps, n_kept_samples=sweeps - BURN_IN, grouping=groups)
    seconds = time.perf_counter() - start
    pred = model.predict_proba(X[va], X_rel=blocks(va)) @ np.arange(1, 6) if ordinal else model.predict(X[va], X_rel=blocks(va))
    return pred, seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-dir', help='MovieLens 1M directory (default: $FM_RECSYS_DATA, else download)')
    p.add_argument('--k', type=int, default=32, help='embedding size')
    p.add_argument('--sweeps', type=int, default=200, help='Gibbs sweeps; all but the first %d are averaged' % BURN_IN)
    p.add_argument('--only', choices=('regression', 'ordinal'), help='run only this likelihood (default: both)')
    p.add_argument('--ratings-folds', type=int, default=0, metavar='K', help='add the user\'s ratings, built in K folds (default: left out)')
    p.add_argument('--day', action='store_true', help='add the day of each rating (the `day` side feature)')
    args = p.parse_args()
    if args.sweeps <= BURN_IN: p.error(f'--sweeps must be more than the {BURN_IN} burn-in sweeps, not {args.sweeps}')
    if args.ratings_folds == 1 or args.ratings_folds < 0: p.error(f'--ratings-folds must be 0 (no ratings) or at least 2, not {args.ratings_folds}')
    data = prepare(args.data_dir, tempfile.mkdtemp())
    blocks, groups = relation_blocks(data, args.ratings_folds)
    X = day_onehot(data) if args.day else sps.csr_matrix((len(data.y), 0))
    groups = [max(groups) + 1] * X.shape[1] + groups  # myFM takes X's columns first, then the blocks'
    for name in ('regression', 'ordinal'):
        if args.only not in (None, name): continue
        pred, seconds = fit_predict(data, X, blocks, groups, name == 'ordinal', args.k, args.sweeps)
        ratings = f'ratings in {args.ratings_folds} folds' if args.ratings_folds else 'no ratings'
        print(f'Bayesian FM, {name}, {ratings}, {"with" if args.day else "no"} day, k={args.k}, {args.sweeps} sweeps: valid RMSE {rmse(pred, data.y[data.valid_rows]):.4f}, '
              f'training {seconds:.1f} s', flush=True)


if __name__ == '__main__': main()
