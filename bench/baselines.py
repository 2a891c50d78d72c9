"""Baselines tuned like the project's own models, for bench/quality.py (this project's split) and bench/published.py
(RecBole's protocol): every point of a model's grid is fitted on the training part and scored on a validation part,
and the best is reported on the test part. It needs the bench extra: pip install -e .[bench].

iALS (Hu, Koren and Volinsky 2008; implicit's `AlternatingLeastSquares`): the search space follows Rendle et al.
2021, "Revisiting the Performance of iALS on Item Recommendation Benchmarks": the embedding size, the L2
regularisation and the confidence α of an observed pair (weight 1 + α), 15 iterations of conjugate-gradient ALS.

EDLAE (Steck 2020, "Autoencoders that don't overfit towards the identity"), the strongest of EASE's kin tried here:
EASE whose λ grows on each movie with its count, by the odds p/(1-p) of the dropout it stands for; λ and the odds are
chosen on validation.

RecVAE (Shenbin et al. 2020; cornac's `RecVAE`), a second family: the paper's network (hidden 600, latent 200, batches
of 500) at the learning rate RecBole chose on its validation part of this protocol, 7e-4; its number of epochs is
chosen on validation, as RecBole's early stopping chooses it. Two things of cornac's fit are set aside: the NDCG@100
on the training set it computes after every epoch for its progress bar (a third of the time of an epoch), and the
training mode its network is left in, in which scoring drops half of each user's movies and samples the latent
vector.
"""
import contextlib, itertools, time

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


EDLAE_GRID = dict(lam=(30., 100., 300., 1000.), odds=(0.25, 0.5, 1., 2., 4.))


def edlae_scores(seen, lam, odds):
    "Scores (users × movies) of EDLAE on `seen`, the binary users × movies training matrix: EASE with a λ of `lam` + `odds` × the movie's count"
    from fm_recsys.evaluation import ease
    return seen @ ease(seen, lam + odds * seen.sum(0))


RECVAE_LEARNING_RATE = 7e-4
RECVAE_EPOCHS = range(10, 201, 10)  # the numbers of epochs tried on the validation part


@contextlib.contextmanager
def cornac_epoch_hook(on_epoch):
    "Within it, cornac's fits call `on_epoch(model)` after each epoch, in place of scoring NDCG@100 on the training set"
    import cornac.eval_methods  # the fit imports `ranking_eval` from here when it starts
    own = cornac.eval_methods.ranking_eval
    cornac.eval_methods.ranking_eval = lambda model, **_: ([on_epoch(model)], None)
    try: yield
    finally: cornac.eval_methods.ranking_eval = own


def recvae_scores(seen, n_epochs, lr=RECVAE_LEARNING_RATE, seed=42, on_epoch=lambda epoch, scores: None):
    "Scores (users × movies) of RecVAE fitted for `n_epochs` on `seen`, the binary users × movies training matrix; after each epoch, `on_epoch(epoch, scores)` gets a function giving the scores so far"
    import torch
    from cornac.data import Dataset
    from cornac.models import RecVAE
    users, movies = np.nonzero(seen)
    data = Dataset.from_uir(zip(users.tolist(), movies.tolist(), [1.] * len(users)), seed=seed)
    row = np.array([data.uid_map[user] for user in range(len(seen))])  # every user of `seen` has a training movie
    column = np.empty(len(data.iid_map), int)
    column[list(data.iid_map.values())] = list(data.iid_map)  # cornac's own item order -> our movie columns
    def scores_of(model):
        network = model.recvae_model.eval()  # the next epoch sets it back to training
        with torch.no_grad(): out = network(torch.from_numpy(data.matrix.toarray().astype(np.float32)), calculate_loss=False).numpy()
        scores = np.full(seen.shape, -np.inf, np.float32)
        scores[:, column] = out[row]
        return scores
    epochs = itertools.count(1)
    with cornac_epoch_hook(lambda model: on_epoch(next(epochs), lambda: scores_of(model))):
        model = RecVAE(n_epochs=n_epochs, lr=lr, seed=seed, use_gpu=False, verbose=False).fit(data)
    return scores_of(model)


def epochs_search(epochs, fit, validation_ndcg):
    "The number among `epochs` with the best `validation_ndcg(scores)` in one `fit(n_epochs, on_epoch)`, printing each one tried as a Markdown table row"
    print('| epochs | validation NDCG@10 | seconds |\n| --- | --- | --- |')
    tried, start = {}, time.perf_counter()
    def on_epoch(epoch, scores_of):
        if epoch in epochs:
            tried[epoch] = validation_ndcg(scores_of())
            print(f'| {epoch} | {tried[epoch]:.4f} | {time.perf_counter() - start:.0f} |', flush=True)
    fit(max(epochs), on_epoch)
    best = max(tried, key=tried.get)
    print(f'chosen: {best} epochs, validation NDCG@10 {tried[best]:.4f}\n')
    return best


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
