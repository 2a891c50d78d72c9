"The other MovieLens sets end to end, on small files in each layout: train, recommend, serve."
import json

import pytest
from fastapi.testclient import TestClient

from conftest import write_movielens
from test_cli import fm_recsys
from fm_recsys.service import create_app


@pytest.fixture(scope='module', params=['ml-20m', 'ml-10m'])
def no_metadata(request, tmp_path_factory):
    "A ranker trained on a set without user metadata"
    d = tmp_path_factory.mktemp(request.param)
    fm_recsys('train', '--dataset', request.param, '--data-dir', write_movielens(d/'data', request.param), '--artifacts-dir', d/'model',
              '--preset', 'ranker', '--k', 8, '--epochs', 2, '--json')
    return d/'model'


def test_no_metadata_serves_liked_movies_and_says_what_it_left_out(no_metadata):
    liked = json.loads(fm_recsys('recommend', '--artifacts-dir', no_metadata, '--liked', 'Movie 1, The (1951)', '--top', 5, '--json').stdout)
    assert len(liked) == 5 and 1 not in {r['movie_id'] for r in liked}
    proc = fm_recsys('recommend', '--artifacts-dir', no_metadata, '--age', '25', '--top', 5, '--json')
    assert 'warning: the model has no age: its data has no such user metadata' in proc.stderr
    scores = [r['score'] for r in json.loads(proc.stdout)]
    assert len(scores) == 5 and scores == sorted(scores, reverse=True)
    known = json.loads(fm_recsys('recommend', '--artifacts-dir', no_metadata, '--user', 3, '--json').stdout)
    assert len(known) == 10


def test_no_metadata_page_options_and_api(no_metadata):
    api = TestClient(create_app(no_metadata))
    assert api.get('/api/options').json() == dict(liked=True)  # no age, gender or occupation lists
    answer = api.get('/api/recommend', params=dict(liked='Movie 2, The (1952)', n=3))
    assert answer.status_code == 200 and len(answer.json()['items']) == 3
    refused = api.get('/api/recommend', params=dict(age='25'))
    assert refused.status_code == 422 and refused.json()['detail'] == dict(parameter='age', message='the model has no age field (its user metadata: none)')


def test_ml100k_occupations_by_name(tmp_path):
    fm_recsys('train', '--dataset', 'ml-100k', '--data-dir', write_movielens(tmp_path/'data', 'ml-100k'), '--artifacts-dir', tmp_path/'model', '--k', 8, '--epochs', 1)
    rows = json.loads(fm_recsys('recommend', '--artifacts-dir', tmp_path/'model', '--occupation', 'Writer', '--age', 30, '--top', 3, '--json').stdout)
    assert len(rows) == 3
    wrong = fm_recsys('recommend', '--artifacts-dir', tmp_path/'model', '--occupation', 'astronaut', check=False)
    assert wrong.returncode == 2 and "unknown occupation 'astronaut' (valid: programmer, writer, artist)" in wrong.stderr
    options = TestClient(create_app(tmp_path/'model')).get('/api/options').json()
    assert options['occupation'] == [['programmer', 'programmer'], ['writer', 'writer'], ['artist', 'artist']]
    assert options['gender'] == [['F', 'female'], ['M', 'male']]
