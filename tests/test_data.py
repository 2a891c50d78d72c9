"Bad input gets an error naming the file, line and value, and nothing already stored is lost."
import hashlib, http.server, threading, zipfile
from functools import partial

import pytest

from conftest import write_ml1m
from fm_recsys.data import DataError, download_ml1m, load_ml1m, ml1m_dir, prepare


def test_small_data_loads(tmp_path):
    ml = load_ml1m(write_ml1m(tmp_path))
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
    with pytest.raises(DataError, match=None) as e: load_ml1m(write_ml1m(tmp_path, ratings=ratings))
    assert message in str(e.value)
    assert str(tmp_path) in str(e.value)


def test_bad_users_and_movies(tmp_path):
    with pytest.raises(DataError, match=r"users.dat:1: gender 'X' is not valid \(valid: F, M\)"):
        load_ml1m(write_ml1m(tmp_path/'a', users='1::X::1::10::48067\n'))
    with pytest.raises(DataError, match=r"users.dat:2: age 20 is not valid"):
        load_ml1m(write_ml1m(tmp_path/'b', users='1::F::1::10::48067\n2::M::20::16::70072\n'))
    with pytest.raises(DataError, match=r"users.dat:1: occupation 21 is not valid"):
        load_ml1m(write_ml1m(tmp_path/'c', users='1::F::1::21::48067\n'))
    with pytest.raises(DataError, match=r"movies.dat:1: unknown genre 'Cartoon'"):
        load_ml1m(write_ml1m(tmp_path/'d', movies='1::Toy Story (1995)::Cartoon\n'))


def test_missing_files(tmp_path):
    with pytest.raises(DataError, match='missing users.dat, movies.dat, ratings.dat'): ml1m_dir(tmp_path)
    write_ml1m(tmp_path)
    (tmp_path/'movies.dat').unlink()
    with pytest.raises(DataError, match=r'movies.dat: file not found'): load_ml1m(tmp_path)


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
    with pytest.raises(DataError, match='failed its checksum'): download_ml1m(tmp_path/'cache1', url=url, md5='0' * 32)
    assert not (tmp_path/'cache1'/'ml-1m').exists()
    path = download_ml1m(tmp_path/'cache2', url=url, md5=md5)
    assert len(load_ml1m(path).ratings) == 6
