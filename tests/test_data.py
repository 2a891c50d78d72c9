"Bad input gets an error naming the file, line and value, and nothing already stored is lost."
import hashlib, http.server, threading, zipfile
from functools import partial

import pytest

import numpy as np

from conftest import write_ml1m, write_movielens
from fm_recsys.data import DATASETS, DataError, DataWarning, dataset_dir, download, load_movielens, prepare


def test_small_data_loads(tmp_path):
    ml = load_movielens(write_ml1m(tmp_path))
    assert len(ml.ratings) == 6
    assert ml.ratings.timestamp.isna().sum() == 2
    assert ml.movies.title[2].startswith('Nosferatu')


@pytest.mark.parametrize('ratings, message', [
    ('1::1::5::978300760\n1::2::3\n', 'ratings.dat:2: expected 4 fields (user_id::movie_id::rating::timestamp), found 3'),
    ('1::1::5::978300760\n1::2::3::4::5\n', 'ratings.dat:2: expected 4 fields'),
    ('1::1::5::1\nx::2::3::1\n', "ratings.dat:2: user_id must be an integer, got 'x'"),
    ('1::1::5::1\n1::2::four::1\n', "ratings.dat:2: rating must be an integer, got 'four'"),
    ('1::1::5::1\n1::2::3.5::1\n', "ratings.dat:2: rating must be an integer, got '3.5'"),
    ('1::1::5::1\n1::2::3::yesterday\n', "ratings.dat:2: timestamp must be an integer, got 'yesterday'"),
    ('1::1::6::1\n', 'ratings.dat:1: rating 6 is not valid (valid: 1, 2, 3, 4, 5)'),
    ('1::1::0::1\n', 'ratings.dat:1: rating 0 is not valid'),
    ('1::1::5::1\n9::1::5::1\n', 'ratings.dat:2: user_id 9 is not valid'),
    ('1::1::5::1\n1::42::5::1\n', 'ratings.dat:2: movie_id 42 is not valid'),
    ('1::1::5::1\n1::1::4::1\n', 'ratings.dat:2: user 1 rated movie 1 twice'),
])
def test_bad_ratings(tmp_path, ratings, message):
    with pytest.raises(DataError, match=None) as e: load_movielens(write_ml1m(tmp_path, ratings=ratings))
    assert message in str(e.value)
    assert str(tmp_path) in str(e.value)


def test_bad_users_and_movies(tmp_path):
    with pytest.raises(DataError, match=r"users.dat:1: gender 'X' is not valid \(valid: F, M\)"):
        load_movielens(write_ml1m(tmp_path/'a', users='1::X::1::10::48067\n'))
    with pytest.raises(DataError, match=r"users.dat:2: age 20 is not valid"):
        load_movielens(write_ml1m(tmp_path/'b', users='1::F::1::10::48067\n2::M::20::16::70072\n'))
    with pytest.raises(DataError, match=r"users.dat:1: occupation 21 is not valid"):
        load_movielens(write_ml1m(tmp_path/'c', users='1::F::1::21::48067\n'))
    with pytest.raises(DataError, match=r"movies.dat:1: unknown genre 'Cartoon'"):
        load_movielens(write_ml1m(tmp_path/'d', movies='1::Toy Story (1995)::Cartoon\n'))


def test_missing_files(tmp_path):
    with pytest.raises(DataError, match='missing users.dat, movies.dat, ratings.dat'): dataset_dir('ml-1m', tmp_path)
    write_ml1m(tmp_path)
    (tmp_path/'movies.dat').unlink()
    with pytest.raises(DataError, match=r'movies.dat: file not found'): load_movielens(tmp_path)


def test_failed_prepare_keeps_earlier_output(tmp_path):
    out = tmp_path/'artifacts'
    prepare(write_ml1m(tmp_path/'good'), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == {'features.json', 'ratings.npz', 'valid_rows.csv', 'dataset.json'}
    with pytest.raises(DataError, match='rating 9 is not valid'):
        prepare(write_ml1m(tmp_path/'bad', ratings='1::1::9::1\n'), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.fixture
def zip_server(tmp_path):
    "A loopback HTTP server serving a MovieLens-format ml-1m.zip; yields its URL and md5"
    src = write_ml1m(tmp_path/'src')
    zpath = tmp_path/'www'/'ml-1m.zip'
    zpath.parent.mkdir()
    with zipfile.ZipFile(zpath, 'w') as z:
        for f in src.iterdir(): z.write(f, f'ml-1m/{f.name}')
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), partial(http.server.SimpleHTTPRequestHandler, directory=str(zpath.parent)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_port}/ml-1m.zip', hashlib.md5(zpath.read_bytes()).hexdigest()
    server.shutdown()


def test_download_checks_the_hash(tmp_path, zip_server):
    url, md5 = zip_server
    with pytest.raises(DataError, match='failed its checksum'): download('ml-1m', tmp_path/'cache1', url=url, md5='0' * 32)
    assert not (tmp_path/'cache1'/'ml-1m').exists()
    path = download('ml-1m', tmp_path/'cache2', url=url, md5=md5)
    assert len(load_movielens(path).ratings) == 6


@pytest.mark.parametrize('dataset', list(DATASETS))
def test_each_layout_loads_and_prepares(tmp_path, dataset):
    with pytest.warns(DataWarning, match=f'where {DATASETS[dataset].title} has'):  # a small copy is not the official set
        data = prepare(write_movielens(tmp_path/'data', dataset), tmp_path/'out', dataset=dataset)
    assert data.info['dataset'] == dataset and data.info['n_ratings'] == 40 * 12
    metadata = ('age', 'gender', 'occupation') if dataset in ('ml-100k', 'ml-1m') else ()
    assert data.features.fields == ('user', 'movie', *metadata) and data.X.shape == (480, 2 + len(metadata))
    assert set(np.unique(data.y)) <= set(DATASETS[dataset].stars)
    if DATASETS[dataset].half_stars: assert (data.y % 1 == 0.5).any()  # half stars are kept
    assert data.features.labels['movie'][0] == 'Movie 1, The (1951)'


def test_ml100k_ages_and_occupations(tmp_path):
    with pytest.warns(DataWarning): ml = load_movielens(write_movielens(tmp_path, 'ml-100k'), 'ml-100k')
    assert set(ml.users.age) <= {1, 18, 25, 35, 45, 50, 56}
    assert ml.metadata['occupation'] == dict(programmer='programmer', writer='writer', artist='artist')


@pytest.mark.parametrize('dataset, file, line, text, message', [
    ('ml-20m', 'ratings.csv', 3, '1,1,4.5,1\n1,2,4.7,1\n', 'ratings.csv:3: rating 4.7 is not valid'),
    ('ml-25m', 'ratings.csv', 2, '1,1,x,1\n', "ratings.csv:2: rating must be a number, got 'x'"),
    ('ml-32m', 'ratings.csv', 3, '1,1,4.5,1\n1,1,4.0,2\n', 'ratings.csv:3: user 1 rated movie 1 twice'),
    ('ml-10m', 'ratings.dat', 1, '1::99::4.5::1\n', 'ratings.dat:1: movie_id 99 is not valid'),
    ('ml-100k', 'u.data', 2, '1\t1\t5\t1\n1\t2\t0\t1\n', 'u.data:2: rating 0 is not valid'),
])
def test_bad_lines_in_each_layout(tmp_path, dataset, file, line, text, message):
    d = write_movielens(tmp_path, dataset)
    (d/file).write_text(('userId,movieId,rating,timestamp\n' if file.endswith('.csv') else '') + text)
    with pytest.raises(DataError) as e: load_movielens(d, dataset)
    assert message in str(e.value)


def test_unknown_dataset_and_missing_files(tmp_path):
    with pytest.raises(DataError, match="unknown data set 'ml-2m'"): dataset_dir('ml-2m', tmp_path)
    with pytest.raises(DataError, match='missing movies.csv, ratings.csv'): dataset_dir('ml-25m', tmp_path)
