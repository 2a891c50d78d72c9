"The console script end to end on the real data, and its errors."
import json, subprocess, sys
from pathlib import Path

import pytest


def fm_recsys(*args, check=True):
    "Run the `fm-recsys` console script (as installed) and return the completed process"
    proc = subprocess.run([Path(sys.executable).parent/'fm-recsys', *map(str, args)], capture_output=True, text=True)
    if check and proc.returncode: raise AssertionError(proc.stderr)
    return proc


@pytest.fixture(scope='module')
def trained(ml1m_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp('cli')
    metrics = json.loads(fm_recsys('train', '--data-dir', ml1m_dir, '--artifacts-dir', out, '--k', 16, '--epochs', 1, '--json').stdout)
    return out, metrics


def test_train_json(trained):
    out, metrics = trained
    assert [h['epoch'] for h in metrics['history']] == [1]
    assert 0.85 < metrics['valid_rmse'] < 1.0
    assert {'embeddings.npz', 'features.json', 'metrics.json', 'model.pt', 'training_curve.png', 'valid_rows.csv'} <= {p.name for p in out.iterdir()}


def test_recommend_new_and_known_users(trained):
    out, _ = trained
    new = json.loads(fm_recsys('recommend', '--artifacts-dir', out, '--age', '18-24', '--gender', 'male', '--occupation', 'programmer', '--top', 5, '--json').stdout)
    assert len(new) == 5 and {'movie_id', 'title', 'genres', 'score'} <= set(new[0])
    assert [r['score'] for r in new] == sorted((r['score'] for r in new), reverse=True)
    known = json.loads(fm_recsys('recommend', '--artifacts-dir', out, '--user', 1, '--json').stdout)
    assert 1 not in {r['movie_id'] for r in known}  # user 1 rated Toy Story
    assert 'Toy Story (1995)' not in fm_recsys('recommend', '--artifacts-dir', out, '--user', 1).stdout


def test_similar(trained):
    out, _ = trained
    by_title = json.loads(fm_recsys('similar', '--artifacts-dir', out, '--movie', 'Toy Story (1995)', '--json').stdout)
    by_id = json.loads(fm_recsys('similar', '--artifacts-dir', out, '--movie', 1, '--json').stdout)
    assert by_title == by_id and len(by_title) == 10


@pytest.mark.parametrize('args, message', [
    (['recommend', '--age', '19'], "unknown age '19' (valid: 1 (Under 18), 18 (18-24)"),
    (['recommend', '--gender', 'x'], "unknown gender 'x' (valid: F, M)"),
    (['recommend', '--occupation', 'pilot'], '12 (programmer)'),
    (['recommend', '--user', 99999], 'unknown user 99999'),
    (['recommend'], 'give a known user, or at least one of age, gender, occupation'),
    (['similar', '--movie', 'Toy Stor'], "unknown movie title 'Toy Stor'; did you mean: Toy Story (1995)"),
])
def test_bad_requests(trained, args, message):
    out, _ = trained
    proc = fm_recsys(*args, '--artifacts-dir', out, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith('fm-recsys: error:') and message in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_missing_artifacts(tmp_path):
    proc = fm_recsys('recommend', '--artifacts-dir', tmp_path, '--age', 18, check=False)
    assert proc.returncode == 2 and 'missing embeddings.npz, features.json; run the training first' in proc.stderr


def test_bad_data_dir(tmp_path):
    proc = fm_recsys('train', '--data-dir', tmp_path, '--artifacts-dir', tmp_path/'out', check=False)
    assert proc.returncode == 2 and 'missing users.dat, movies.dat, ratings.dat' in proc.stderr
