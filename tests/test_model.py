"The O(kn) lemma, the closed-form gradients (also with carried side features), reproducibility, the NaN guard, and liked movies folded into a query."
import numpy as np
import pytest
import torch
from fastcore.test import test_eq as check_eq  # as test_eq, pytest would collect it

from fm_recsys.data import DataWarning, load_prepared, prepare
from fm_recsys.features import side_features
from fm_recsys.model import FactorizationMachine, fm_interaction, fm_interaction_naive
from fm_recsys.recommend import InProcessRecommender, make_query
from fm_recsys.train import TUNED, FMTrainer, TrainConfig, TrainingError, bpr, fm_gradients, make_trainer, preset, rating_mse, train

from conftest import write_ml1m


@pytest.mark.parametrize('fields, k', [(2, 1), (5, 8), (7, 33)])
def test_interaction_lemma(fields, k):
    v = torch.randn(16, fields, k, generator=torch.Generator().manual_seed(fields * k), dtype=torch.float64)
    torch.testing.assert_close(fm_interaction(v), fm_interaction_naive(v))


def _random_carried(n, n_keys, seed):
    "Features 0..n_keys-1 each carry up to 5 of the others, with random weights"
    gen = torch.Generator().manual_seed(seed)
    counts = torch.randint(0, 6, (n_keys,), generator=gen)
    members = torch.cat([torch.randperm(n - n_keys, generator=gen)[:c] + n_keys for c in counts.tolist()])
    indptr = torch.cat([torch.zeros(1, dtype=torch.long), counts.cumsum(0), torch.full((n - n_keys,), int(counts.sum()))])
    return indptr, members, torch.rand(len(members), generator=gen, dtype=torch.float64)


@pytest.mark.parametrize('seed, carries', [(0, False), (1, False), (2, True), (3, True)])
def test_closed_form_gradients_match_autograd(seed, carries):
    gen = torch.Generator().manual_seed(seed)
    model = FactorizationMachine(40, 6, init_std=0.5, random_state=seed, carried=_random_carried(40, 25, seed) if carries else None).double()
    x, y = torch.randint(0, 25, (64, 5), generator=gen), torch.randint(1, 6, (64,), generator=gen).double()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    expected = [p.grad.clone() for p in model.parameters()]
    torch.testing.assert_close(fm_gradients(model, x, rating_mse(y, model.max_rating)), loss.detach())
    for want, p in zip(expected, model.parameters()): torch.testing.assert_close(p.grad, want)
    model.zero_grad()
    loss = -torch.nn.functional.logsigmoid(model.logits(x[:32]) - model.logits(x[32:])).mean()
    loss.backward()
    expected = [p.grad.clone() for p in model.parameters()]
    torch.testing.assert_close(fm_gradients(model, x, bpr), loss.detach())
    for want, p in zip(expected, model.parameters()): torch.testing.assert_close(p.grad, want)


def test_side_features_of_a_small_data_set(tmp_path):
    data = prepare(write_ml1m(tmp_path/'ml'), tmp_path/'out', valid_frac=1/6, seed=0)
    side = side_features(data, TUNED.side)
    fi = data.features
    carried = lambda f: dict(zip(side.indices[side.indptr[f]:side.indptr[f + 1]].tolist(), side.values[side.indptr[f]:side.indptr[f + 1]].tolist()))
    genre, year, rated, rater = (side.offsets[f] for f in ('genre', 'year', 'rated', 'rater'))
    # Nosferatu (1922): Horror at weight 1, year 1922, its raters in training at 1/sqrt(count)
    nosferatu = fi.index('movie', 3)
    raters = [u for u, m in data.X[data.train_rows][:, :2] if m == nosferatu]
    want = {genre + side.labels['genre'].index('Horror'): 1.0, year + side.labels['year'].index(1922): 1.0}
    want |= {rater + u - fi.offsets['user']: pytest.approx(1 / np.sqrt(len(raters))) for u in raters}
    assert carried(nosferatu) == want
    # a user carries exactly the movies they rated in training; the validation rating is not among them
    (u, m), = data.X[data.valid_rows][:, :2]
    assert m - fi.offsets['movie'] + rated not in carried(u)
    # ... and their ratings of them, centred on the training mean
    mine = data.X[data.train_rows, 0] == u
    rating = side.offsets['rating'] - fi.offsets['movie']
    want = {rated + m - fi.offsets['movie']: pytest.approx(1 / np.sqrt(mine.sum())) for m in data.X[data.train_rows][mine, 1]}
    want |= {rating + m: pytest.approx((r - data.y[data.train_rows].mean()) / np.sqrt(mine.sum())) for m, r in zip(data.X[data.train_rows][mine, 1], data.y[data.train_rows][mine])}
    assert carried(u) == want
    assert carried(fi.index('age', 1)) == {}
    with pytest.raises(ValueError, match="unknown side feature 'time' \\(valid: genres, year, rated, raters, ratings, day, neighbours, liked\\)"): side_features(data, ('time',))


def _dated_ratings(tmp_path):
    "Seven dated ratings, and the rows that (user, day) pairs come from"
    # users 1 and 2 rate on 2000-12-31; user 3 once without a timestamp, once before the cutoff, once in 2003
    ratings = ('1::1::5::978300760\n1::2::3::978300761\n2::1::4::978302109\n2::3::2::978301968\n'
               '3::2::1::\n3::3::4::975000000\n3::1::2::1046454590\n')
    data = prepare(write_ml1m(tmp_path/'ml', ratings=ratings), tmp_path/'out', valid_frac=1/7, seed=0)
    return data, np.arange(6)  # the 2003 rating is left out of the rows the pairs come from


def test_day_feature_of_a_small_data_set(tmp_path):
    data, seen = _dated_ratings(tmp_path)
    side = side_features(data, ('day',), rows=seen)
    assert [side.labels['day'][d - side.offsets['day']] for d in side.day] == [
        'user 1 on 2000-12-31', 'user 1 on 2000-12-31', 'user 2 on 2000-12-31', 'user 2 on 2000-12-31',
        'before 2000-12-02 14:54:42 UTC', 'before 2000-12-02 14:54:42 UTC', 'a day without training ratings']
    trainer = make_trainer(data, TrainConfig(k=2, side=('day',)), rows=seen)
    np.testing.assert_array_equal(trainer.features_of(data, [0, 6]), np.column_stack([data.X[[0, 6]], side.day[[0, 6]]]))
    assert trainer.model.embedding.weight.shape[0] == side.n_features == data.features.n_features + 4
    with pytest.raises(ValueError, match="the model has the 'day' side feature: give each row its day"):
        trainer.fit(data.X[seen], data.y[seen], progress=False)


def test_field_decay_reaches_side_feature_fields(tmp_path):
    data, seen = _dated_ratings(tmp_path)
    day = side_features(data, ('day',), rows=seen).offsets['day']
    decayed = make_trainer(data, TrainConfig(k=2, weight_decay=1e-4, side=('day',), field_decay=(('day', 3.),), bias_decay=.5), rows=seen)
    vectors, weights = (extra + 1e-4 for extra in decayed.extra_decay)  # the rates beyond Adam's uniform 1e-4, plus it
    torch.testing.assert_close(vectors, torch.tensor([1e-4] * day + [3e-4] * 4))
    torch.testing.assert_close(weights, vectors / 2)
    with pytest.raises(ValueError, match="field_decay names 'days', not a field of this model"):
        make_trainer(data, TrainConfig(k=2, side=('day',), field_decay=(('days', 3.),)), rows=seen)


def test_each_training_row_leaves_its_own_rating_out(prepared_dir):
    data = load_prepared(prepared_dir)
    trainer = make_trainer(data, TrainConfig(k=2, side=('ratings',)))
    X, y = torch.as_tensor(data.X), torch.as_tensor(data.y)
    p, c = trainer.leave_out(X[data.train_rows])
    n_rated = torch.bincount(X[data.train_rows, 0])[X[data.train_rows, 0]]
    torch.testing.assert_close(c, (y[data.train_rows] - y[data.train_rows].mean()) / n_rated.sqrt())
    assert (p - X[data.train_rows, 1] == data.features.n_features - data.features.offsets['movie']).all()  # 'rating of' the row's movie
    assert (trainer.leave_out(X[data.valid_rows])[1] == 0).all()  # held-out ratings are in no bag
    with pytest.raises(ValueError, match="side feature 'ratings' needs loop='fast'"):
        make_trainer(data, TrainConfig(k=2, side=('ratings',), loop='reference')).fit(data.X[:10], data.y[:10], progress=False)


def test_implicit_sets_from_validation_pairs_only_when_asked(prepared_dir):
    data = load_prepared(prepared_dir)
    n_train = lambda c: int(make_trainer(data, TrainConfig(k=2, side=('rated',), implicit_from_valid=c)).model.carried_indptr[-1])
    assert n_train(False) == len(data.train_rows) and n_train(True) == len(data.train_rows) + len(data.valid_rows)


def _fit(prepared_dir, **config):
    data = load_prepared(prepared_dir)
    tr, va = data.train_rows[:100_000], data.valid_rows[:10_000]
    return FMTrainer(data.features.n_features, TrainConfig(k=8, epochs=2, **config)).fit(
        data.X[tr], data.y[tr], data.X[va], data.y[va], progress=False)


def test_same_seed_same_numbers(prepared_dir):
    a, b, c = _fit(prepared_dir, seed=7), _fit(prepared_dir, seed=7), _fit(prepared_dir, seed=8)
    assert [h['valid_rmse'] for h in a.history] == [h['valid_rmse'] for h in b.history]
    assert torch.equal(a.model.embedding.weight, b.model.embedding.weight)
    assert not torch.equal(a.model.embedding.weight, c.model.embedding.weight)
    assert a.history[-1]['valid_rmse'] < 1.0  # it learned something: a constant 3.58 scores about 1.12


def test_side_features_learn_and_fold(prepared_dir):
    data = load_prepared(prepared_dir)
    tr, va = data.train_rows[:100_000], data.valid_rows[:10_000]
    trainer = make_trainer(data, TrainConfig(k=8, epochs=2, batch_size=4096, lr=3e-3, weight_decay=1e-4, side=TUNED.side), tr)
    trainer.fit_rows(data, tr, va, progress=False)
    assert trainer.history[-1]['valid_rmse'] < 1.0
    V, b = trainer.model.folded()
    x = torch.as_tensor(trainer.features_of(data, va[:500]))
    neighbours = trainer.model.neighbour_logits(trainer.model.neighbour_ratings(x))  # a term of each (user, movie) pair, not folded
    assert neighbours.abs().max() > 0
    logits = trainer.model.w0 + b[x].sum(1) + fm_interaction(V[x]) + neighbours
    torch.testing.assert_close(logits, trainer.model.logits(x).detach(), rtol=1e-4, atol=1e-4)


def test_fast_loop_follows_the_reference_loop(prepared_dir):
    fast, ref = _fit(prepared_dir, seed=3), _fit(prepared_dir, seed=3, loop='reference')
    assert abs(fast.history[-1]['valid_rmse'] - ref.history[-1]['valid_rmse']) < 0.01


def test_diverging_loss_stops_with_a_clear_error(prepared_dir):
    with pytest.raises(TrainingError, match=r'loss became nan at epoch 1, batch \d+; lower the learning rate \(lr=1e\+30\)'):
        _fit(prepared_dir, lr=1e30)


def test_unknown_loop(prepared_dir):
    with pytest.raises(ValueError, match="unknown loop 'fastest' \\(valid: fast, reference\\)"): _fit(prepared_dir, loop='fastest')


def test_unknown_loss_is_refused(prepared_dir):
    data = load_prepared(prepared_dir)
    with pytest.raises(ValueError, match="unknown loss 'hinge' \\(valid: mse, bpr, all-movies\\)"):
        make_trainer(data, TrainConfig(k=2, loss='hinge')).fit(data.X[:10], data.y[:10], progress=False)


def test_liked_movies_fold_into_the_query(tmp_path):
    "A visitor who names the movies a training user rated, with that user's metadata, is scored as that user: training's liked bag and the query weigh the movies alike"
    rng = np.random.default_rng(3)
    users = ''.join(f'{u}::{"FM"[u % 2]}::{(1, 18, 25, 35)[u % 4]}::{u % 21}::00000\n' for u in range(1, 31))
    movies = ''.join(f'{m}::Movie {m} (19{70 + m})::Drama\n' for m in range(1, 21))
    ratings = ''.join(f'{u}::{m}::{rng.integers(1, 6)}::97830{u:04d}\n' for u in range(1, 31) for m in rng.choice(np.arange(1, 21), 8, replace=False))
    with pytest.warns(DataWarning): prepare(write_ml1m(tmp_path/'ml', users, movies, ratings), tmp_path/'run')
    train(tmp_path/'run', preset('ranker', k=6, epochs=3, batch_size=8), progress=False)
    rec = InProcessRecommender.load(tmp_path/'run')
    known = make_query(rec.features, rec.profiles, user=4)
    rated = rec.embeddings.liked_by(rec.profiles.position(4))
    assert len(rated) > 1  # a weight other than 1 is at stake
    titles = [rec.features.labels['movie'][p] for p in rated]
    query = make_query(rec.features, age=1, gender='F', occupation=4, liked=titles)  # user 4's metadata
    check_eq(sorted(query.features), sorted(known.features[1:]))
    assert np.abs(rec.scores(query) - rec.scores(known)).max() < 1e-5
    assert np.abs(rec.scores(query)).max() > 1e-3  # trained vectors, not zeros
    assert not set(rec.recommend(age=25, gender='F', liked=['Movie 3 (1973)', 7, 12], n=17).movie_id) & {3, 7, 12}
