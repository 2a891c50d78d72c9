"Your own data end to end, on small generated files: text ids, metadata and side-feature columns, implicit data, Parquet."
import json

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect, sync_playwright

from conftest import ALIAS
from test_cli import fm_recsys
from fm_recsys.recommend import InProcessRecommender
from fm_recsys.serving import SearchRecommender, index_model, model_indices
from fm_recsys.service import create_app
from test_service import CHROMIUM, Server, get


def own_tables(users=40, items=30, per_user=12, seed=0):
    "Random ratings of text-id users and items, a users table (country, plan) and an items table (title, genres, director)"
    rng = np.random.default_rng(seed)
    user_ids, item_ids = [f'listener-{u:02d}' for u in range(users)], [f'tt{i:07d}' for i in range(items)]
    pairs = [(u, item_ids[i]) for u in user_ids for i in rng.choice(items, per_user, replace=False)]
    ratings = pd.DataFrame(pairs, columns=['user_id', 'item_id']).assign(rating=rng.integers(1, 11, len(pairs)) / 2, timestamp=1_700_000_000)
    people = pd.DataFrame(dict(user_id=user_ids, country=rng.choice(['NZ', 'FR', 'JP'], users), plan=rng.choice(['free', 'paid', ''], users)))
    films = pd.DataFrame(dict(item_id=item_ids, title=[f'Film {i} ({1990 + i})' for i in range(items)],
                              genres=rng.choice(['Drama', 'Comedy|Drama', 'Horror', '(no genres listed)'], items), director=rng.choice(['Varda', 'Ozu|Kurosawa'], items)))
    return ratings, people, films


@pytest.fixture(scope='module')
def own_model(tmp_path_factory):
    "A ranker trained on CSV files whose columns carry their own names"
    d = tmp_path_factory.mktemp('own')
    ratings, people, films = own_tables()
    ratings.rename(columns=dict(user_id='listener', rating='stars')).to_csv(d/'plays.csv', index=False)
    people.rename(columns=dict(user_id='listener')).to_csv(d/'listeners.csv', index=False)
    films.to_csv(d/'films.csv', index=False)
    fm_recsys('train', '--ratings', d/'plays.csv', '--users', d/'listeners.csv', '--items', d/'films.csv', '--user-column', 'listener',
              '--rating-column', 'stars', '--artifacts-dir', d/'model', '--preset', 'ranker', '--k', 8, '--epochs', 2, '--json')
    return d/'model'


def recommend(model, *args):
    return json.loads(fm_recsys('recommend', '--artifacts-dir', model, '--top', 5, '--json', *args).stdout)


def test_own_model_serves_its_own_metadata_text_ids_and_titles(own_model):
    by_country = recommend(own_model, '--meta', 'country=NZ', '--meta', 'plan=paid')
    assert len(by_country) == 5 and all(r['movie_id'].startswith('tt') for r in by_country)
    known = recommend(own_model, '--user', 'listener-03')
    ratings, _, films = own_tables()
    assert not {r['movie_id'] for r in known} & set(ratings.item_id[ratings.user_id == 'listener-03'])  # what they rated is left out
    liked = recommend(own_model, '--liked', 'Film 4 (1994)', '--liked', 'tt0000007')
    assert not {'tt0000004', 'tt0000007'} & {r['movie_id'] for r in liked}
    assert {r['title'] for r in liked} <= set(films.title)
    similar = json.loads(fm_recsys('similar', '--artifacts-dir', own_model, '--movie', 'tt0000004', '--top', 3, '--json').stdout)
    assert len(similar) == 3 and 'tt0000004' not in {r['movie_id'] for r in similar}


def test_own_model_refuses_fields_it_does_not_have(own_model):
    wrong = fm_recsys('recommend', '--artifacts-dir', own_model, '--age', '25', check=False)
    assert wrong.returncode == 2 and wrong.stderr.strip() == 'fm-recsys: error: the model has no age field (its user metadata: country, plan)'
    unknown = fm_recsys('recommend', '--artifacts-dir', own_model, '--meta', 'country=XX', check=False)
    assert unknown.returncode == 2 and "unknown country 'XX' (valid: FR, JP, NZ)" in unknown.stderr
    nothing = fm_recsys('recommend', '--artifacts-dir', own_model, check=False)
    assert 'give a known user, or at least one of country, plan, liked movies' in nothing.stderr


def test_own_model_service_lists_its_fields(own_model):
    api = TestClient(create_app(own_model))
    options = api.get('/api/options').json()
    assert options['country'] == [['FR', 'FR'], ['JP', 'JP'], ['NZ', 'NZ']] and options['plan'] == [['', '(none)'], ['free', 'free'], ['paid', 'paid']]
    assert 'age' not in options
    answer = api.get('/api/recommend', params=dict(country='JP', n=4))
    assert answer.status_code == 200 and len(answer.json()['items']) == 4
    assert api.get('/api/recommend', params=dict(user='listener-05')).status_code == 200
    refused = api.get('/api/recommend', params=dict(age='25'))
    assert refused.status_code == 422 and refused.json()['detail']['parameter'] == 'age'
    no_map = api.get('/api/genre-map.png')  # 30 films: too few for t-SNE
    assert no_map.status_code == 404 and no_map.json()['detail'].startswith('no genre map: ')


def test_own_model_page_offers_its_fields(own_model):
    server = Server(own_model)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox', '--disable-gpu', '--disable-background-networking'])
            page = browser.new_page()
            page.goto(server.url)
            expect(page.locator('#metadata select')).to_have_count(2)
            assert page.locator('#metadata label').all_inner_texts()[0].startswith('Country')
            page.select_option('select[name=country]', label='NZ')
            page.click('#go')
            expected = [i['title'] for i in get(f'{server.url}/api/recommend?country=NZ&n=10')[1]['items']]
            expect(page.locator('#results li a')).to_have_text(expected)
            browser.close()
    finally: server.stop()


def test_own_model_elasticsearch_ranks_as_in_process(own_model, client):
    alias = f'{ALIAS}-own'
    try:
        index_model(client, own_model, alias, progress=False)
        search, local = SearchRecommender(client, own_model, alias), InProcessRecommender.load(own_model)
        for request in (dict(country='FR', plan='free'), dict(user='listener-11'), dict(liked=['tt0000002'])):
            assert search.recommend(**request).movie_id.tolist() == local.recommend(**request).movie_id.tolist(), request
    finally:
        for index in model_indices(client, alias): client.indices.delete(index=index)


def test_implicit_parquet_trains_the_ranker_only(tmp_path):
    ratings, _, _ = own_tables(seed=1)
    ratings[['user_id', 'item_id']].to_parquet(tmp_path/'clicks.parquet')  # no rating column: every row is a positive
    refused = fm_recsys('train', '--ratings', tmp_path/'clicks.parquet', '--artifacts-dir', tmp_path/'model', '--epochs', 1, check=False)
    assert refused.returncode == 2 and 'no ratings, only choices (implicit data): train a ranking loss' in refused.stderr
    assert not (tmp_path/'model').exists()
    fm_recsys('train', '--ratings', tmp_path/'clicks.parquet', '--artifacts-dir', tmp_path/'model', '--preset', 'ranker', '--k', 8, '--epochs', 1)
    assert json.loads((tmp_path/'model'/'dataset.json').read_text())['implicit'] is True
    assert len(recommend(tmp_path/'model', '--liked', 'tt0000001')) == 5  # no users file: new users come from what they liked


def test_bad_own_files_end_in_one_line_and_keep_the_model(own_model, tmp_path):
    before = {p.name: p.read_bytes() for p in own_model.iterdir()}
    (tmp_path/'bad.csv').write_text('user_id,item_id,rating\nann,a,4\nbob,b,five\n')
    cases = {('--ratings', tmp_path/'bad.csv'): "bad.csv:3: rating must be a number, got 'five'",
             ('--ratings', tmp_path/'missing.csv'): 'missing.csv: file not found',
             ('--users', tmp_path/'bad.csv'): '--users and --items describe your own data: give --ratings as well',
             ('--ratings', tmp_path/'bad.csv', '--item-column', 'film'): "bad.csv: no item column 'film' (columns: user_id, item_id, rating); name it with --item-column"}
    for args, message in cases.items():
        proc = fm_recsys('train', *args, '--artifacts-dir', own_model, '--epochs', 1, check=False)
        assert proc.returncode == 2 and proc.stderr.count('\n') == 1 and message in proc.stderr, proc.stderr
    assert {p.name: p.read_bytes() for p in own_model.iterdir()} == before
