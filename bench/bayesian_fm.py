"""What a Bayesian FM reaches on the same split and features: a reference for the RMSE target, not part of fm-recsys.

Usage: pip install myfm 'setuptools<81'; python bench/bayesian_fm.py [--data-dir DIR] [--k 32] [--sweeps 200] [--only regression|ordinal]
Trains myFM (Rendle's Gibbs sampler for FMs, a compiled library; fm-recsys itself trains its FMs with Adam in PyTorch)
on the 90% with the user's age, gender and occupation and the side features genres, year, rated and raters, one
hyperprior group per field, and prints the RMSE on the reported 10% and the training time: first with a Gaussian
likelihood, then with an ordered probit over the five ratings (predicting the expected rating). The `ratings` side
feature is left out: its leave-out of each row's own rating cannot be expressed in myFM's shared relation blocks.
"""
import argparse, tempfile, time

import numpy as np
import scipy.sparse as sps

from fm_recsys.data import prepare, side_features
from fm_recsys.train import rmse

try: import myfm
# myFM 0.4 imports pkg_resources, which setuptools dropped in version 81
except ImportError as e: raise SystemExit(f"bench/bayesian_fm.py needs myFM, which fm-recsys does not depend on ({e}): pip install myfm 'setuptools<81'")

SIDE = ('genres', 'year', 'rated', 'raters')
BURN_IN = 10  # sweeps whose samples are not averaged


def relation_blocks(data):
    "A function from row numbers to their myFM relation blocks (user and movie: one-hot features plus what they carry), and each column's hyperprior group"
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
    def blocks(rows):
        return [myfm.RelationBlock(data.X[rows, 0] - user0, user_block), myfm.RelationBlock(data.X[rows, 1] - movie0, movie_block)]
    return blocks, groups


def fit_predict(data, blocks, groups, ordinal, k, sweeps, seed=42):
    "Validation predictions of a Gibbs-sampled FM over `relation_blocks` trained on the training rows, and the training time in seconds"
    tr, va = data.train_rows, data.valid_rows
    y = data.y[tr]
    model = (myfm.MyFMOrderedProbit if ordinal else myfm.MyFMRegressor)(rank=k, random_seed=seed)
    start = time.perf_counter()
    model.fit(sps.csr_matrix((len(tr), 0)), y.astype(int) - 1 if ordinal else y, X_rel=blocks(tr),
              n_iter=sweeps, n_kept_samples=sweeps - BURN_IN, grouping=groups)
    seconds = time.perf_counter() - start
    empty = sps.csr_matrix((len(va), 0))
    pred = model.predict_proba(empty, X_rel=blocks(va)) @ np.arange(1, 6) if ordinal else model.predict(empty, X_rel=blocks(va))
    return pred, seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-dir', help='MovieLens 1M directory (default: $FM_RECSYS_DATA, else download)')
    p.add_argument('--k', type=int, default=32, help='embedding size')
    p.add_argument('--sweeps', type=int, default=200, help='Gibbs sweeps; all but the first %d are averaged' % BURN_IN)
    p.add_argument('--only', choices=('regression', 'ordinal'), help='run only this likelihood (default: both)')
    args = p.parse_args()
    data = prepare(args.data_dir, tempfile.mkdtemp())
    blocks, groups = relation_blocks(data)
    for name in ('regression', 'ordinal'):
        if args.only not in (None, name): continue
        pred, seconds = fit_predict(data, blocks, groups, name == 'ordinal', args.k, args.sweeps)
        print(f'Bayesian FM, {name}, k={args.k}, {args.sweeps} sweeps: valid RMSE {rmse(pred, data.y[data.valid_rows]):.4f}, '
              f'training {seconds:.1f} s', flush=True)


if __name__ == '__main__': main()
