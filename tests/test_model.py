"The O(kn) lemma, the closed-form gradients, reproducibility and the NaN guard."
import numpy as np
import pytest
import torch

from fm_recsys.data import load_prepared
from fm_recsys.model import FactorizationMachine, fm_interaction, fm_interaction_naive
from fm_recsys.train import FMTrainer, TrainConfig, TrainingError, fm_gradients


@pytest.mark.parametrize('fields, k', [(2, 1), (5, 8), (7, 33)])
def test_interaction_lemma(fields, k):
    v = torch.randn(16, fields, k, generator=torch.Generator().manual_seed(fields * k), dtype=torch.float64)
    torch.testing.assert_close(fm_interaction(v), fm_interaction_naive(v))


@pytest.mark.parametrize('seed', range(3))
def test_closed_form_gradients_match_autograd(seed):
    gen = torch.Generator().manual_seed(seed)
    model = FactorizationMachine(40, 6, init_std=0.5, random_state=seed).double()
    x, y = torch.randint(0, 40, (64, 5), generator=gen), torch.randint(1, 6, (64,), generator=gen).double()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    expected = [p.grad.clone() for p in model.parameters()]
    torch.testing.assert_close(fm_gradients(model, x, y), loss.detach())
    for want, p in zip(expected, model.parameters()): torch.testing.assert_close(p.grad, want)


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


def test_fast_loop_follows_the_reference_loop(prepared_dir):
    fast, ref = _fit(prepared_dir, seed=3), _fit(prepared_dir, seed=3, loop='reference')
    assert abs(fast.history[-1]['valid_rmse'] - ref.history[-1]['valid_rmse']) < 0.01


def test_diverging_loss_stops_with_a_clear_error(prepared_dir):
    with pytest.raises(TrainingError, match=r'loss became nan at epoch 1, batch \d+; lower the learning rate \(lr=1e\+30\)'):
        _fit(prepared_dir, lr=1e30)


def test_unknown_loop(prepared_dir):
    with pytest.raises(ValueError, match="unknown loop 'fastest' \\(valid: fast, reference\\)"): _fit(prepared_dir, loop='fastest')
