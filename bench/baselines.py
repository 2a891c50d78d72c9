"""Baselines tuned like the project's own models, for bench/quality.py (this project's split) and bench/published.py
(RecBole's protocol): every point of a model's grid is fitted on the training part and scored on a validation part,
and the best is reported on the test part. It needs the bench extra: pip install -e .[bench].

iALS (Hu, Koren and Volinsky 2008; implicit's `AlternatingLeastSquares`): the search space follows Rendle et al.
2021, "Revisiting the Performance of iALS on Item Recommendation Benchmarks": the embedding size, the L2
regularisation and the confidence α of an observed pair (weight 1 + α), 15 iterations of conjugate-gradient ALS.

RecVAE (Shenbin et al. 2020; cornac's `RecVAE`), a second family, with the paper's settings and not tuned: an epoch
takes about 10 s here (cornac's fit also scores NDCG@100 on the training set after each), so a fit takes about 8
minutes and no grid was run.
"""
import itertools, time

import numpy as np
from scipy.sparse import csr_matrix
from threadpoolctl import threadpool_limits

IALS_GRID = dict(factors=(64, 128, 256, 512), regularization=(10., 50., 200., 1000.), alpha=(2., 4., 8.))  # a first pass over
# factors (64, 128, 256), regularization (0.1, 1, 10, 50) and α (1, 4, 16) found the best at the largest regularization and α 4
IALS_UNTUNED = dict(factors=128, regularization=0.01, alpha=1.)  # implicit's defaults, with 128 factors


def ials_scores(seen, factors, regularization, alpha, iterations=15, seed=42):
    "Scores (users × movies) of iALS fitted on `seen`, the binary users × movies training matrix"
    from implicit.cpu.als import AlternatingLeastSquares
    with threadpool_limits(1, 'blas'):  # implicit parallelises itself; BLAS threads on top slow it down
        als = AlternatingLeastSquares(factors=factors, regularization=regularization, alpha=alpha, iterations=iterations, random_state=seed)
        als.fit(csr_matrix(seen, dtype=np.float32), show_progress=False)
    return als.user_factors @ als.item_factors.T


def recvae_scores(seen, n_epochs=50, seed=42):
    "Scores (users × movies) of RecVAE fitted on `seen`, the binary users × movies training matrix: cornac's, with its defaults (the paper's)"
    from cornac.data import Dataset
    from cornac.models import RecVAE
    users, movies = np.nonzero(seen)
    data = Dataset.from_uir(zip(users.tolist(), movies.tolist(), [1.] * len(users)), seed=seed)
    model = RecVAE(n_epochs=n_epochs, seed=seed, use_gpu=False).fit(data)
    column = np.empty(len(data.iid_map), int)
    column[list(data.iid_map.values())] = [int(m) for m in data.iid_map]  # cornac's own item order -> our movie columns
    scores = np.full(seen.shape, -np.inf, np.float32)
    for user, index in data.uid_map.items(): scores[int(user), column] = model.score(index)
    return scores


def grid_search(grid, validation_ndcg):
    "The point of `grid` with the best `validation_ndcg(**point)`, printing each point tried as a Markdown table row"
    print('| ' + ' | '.join(grid) + ' | validation NDCG@10 | seconds |\n' + '| --- ' * (len(grid) + 2) + '|')
    best, best_ndcg = None, -1.
    for values in itertools.product(*grid.values()):
        point, start = dict(zip(grid, values)), time.perf_counter()
        ndcg = validation_ndcg(**point)
        print('| ' + ' | '.join(f'{v:g}' for v in values) + f' | {ndcg:.4f} | {time.perf_counter() - start:.0f} |', flush=True)
        if ndcg > best_ndcg: best, best_ndcg = point, ndcg
    print(f'chosen: {best}, validation NDCG@10 {best_ndcg:.4f}\n')
    return best
