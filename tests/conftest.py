"Shared fixtures: the real MovieLens 1M (from $FM_RECSYS_DATA) and small data sets in its format."
import os, shutil
from pathlib import Path

import pytest

from fm_recsys.data import prepare
from fm_recsys.recommend import InProcessRecommender
from fm_recsys.serving import SearchRecommender, connect, index_model, model_indices
from fm_recsys.train import preset, train


@pytest.fixture(scope='session')
def ml1m_dir():
    "The real MovieLens 1M directory; `make test` points $FM_RECSYS_DATA at it"
    path = os.environ.get('FM_RECSYS_DATA')
    if not path or not (Path(path)/'ratings.dat').is_file():
        pytest.fail('set FM_RECSYS_DATA to a MovieLens 1M directory (make test does)')
    return Path(path)


@pytest.fixture(scope='session')
def prepared_dir(ml1m_dir, tmp_path_factory):
    "MovieLens 1M prepared once for the session"
    out = tmp_path_factory.mktemp('prepared')
    prepare(ml1m_dir, out)
    return out


# Elasticsearch: the server at $ES_URL (make test starts it); without one these fixtures fail, never skip
ALIAS = 'fm-recsys-pytest'


@pytest.fixture(scope='session')
def client():
    "A client for $ES_URL; the indices the tests made go when the session ends"
    client = connect()  # raises "no Elasticsearch answers at ..." when none runs
    yield client
    for index in model_indices(client, ALIAS): client.indices.delete(index=index)


@pytest.fixture(scope='session')
def artifacts(prepared_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp('model')
    shutil.copytree(prepared_dir, out, dirs_exist_ok=True)
    train(out, preset('ranker', k=16, epochs=1, recvae_epochs=2), progress=False)  # the served kind of model, small
    return out


@pytest.fixture(scope='session')
def indexed(client, artifacts):
    index_model(client, artifacts, ALIAS, progress=False)
    return SearchRecommender(client, artifacts, ALIAS), InProcessRecommender.load(artifacts)


def write_ml1m(directory, users=None, movies=None, ratings=None):
    "Write a small data set in the MovieLens 1M format; each argument replaces that file's text"
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    (d/'users.dat').write_text(users if users is not None else '1::F::1::10::48067\n2::M::56::16::70072\n3::M::25::12::55117\n')
    (d/'movies.dat').write_text(movies if movies is not None else
                                "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::Adventure|Children's|Fantasy\n"
                                "3::Nosferatu (Nosferatu, eine Symphonie des Grauens) (1922)::Horror\n", encoding='latin-1')
    (d/'ratings.dat').write_text(ratings if ratings is not None else
                                 '1::1::5::978300760\n1::2::3::\n2::1::4::978302109\n2::3::2::978301968\n3::2::1::\n3::3::4::978298413\n')
    return d


def write_movielens(directory, dataset, users=40, movies=30, per_user=12, seed=0):
    "Write a small random data set in the layout of `dataset` (MovieLens 100K's, 1M's, 10M's or the CSV sets' of 20M on)"
    import numpy as np
    rng, d = np.random.default_rng(seed), Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    pairs = [(u, int(m)) for u in range(1, users + 1) for m in rng.choice(np.arange(1, movies + 1), per_user, replace=False)]
    stars = rng.integers(1, 6, len(pairs)).tolist() if dataset in ('ml-100k', 'ml-1m') else (rng.integers(1, 11, len(pairs)) / 2).tolist()
    genres = ['Comedy', 'Drama', "Children's|Comedy", 'Horror', '']
    titles = [f'Movie {m}, The ({1950 + m})' for m in range(1, movies + 1)]
    if dataset == 'ml-100k':
        flags = lambda g: '|'.join('1' if name in g.split('|') else '0' for name in ('unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western'))
        (d/'u.occupation').write_text('programmer\nwriter\nartist\n')
        (d/'u.user').write_text(''.join(f"{u}|{rng.integers(7, 74)}|{'FM'[u % 2]}|{('programmer', 'writer', 'artist')[u % 3]}|{10000 + u}\n" for u in range(1, users + 1)))
        (d/'u.item').write_text(''.join(f'{m}|{t}|01-Jan-{1950 + m}||http://example.org/{m}|{flags(genres[m % 5])}\n' for m, t in enumerate(titles, 1)), encoding='latin-1')
        (d/'u.data').write_text(''.join(f'{u}\t{m}\t{r}\t{880000000 + i}\n' for i, ((u, m), r) in enumerate(zip(pairs, stars))))
    elif dataset in ('ml-1m', 'ml-10m'):
        if dataset == 'ml-1m':
            (d/'users.dat').write_text(''.join(f"{u}::{'FM'[u % 2]}::{(1, 18, 25, 35)[u % 4]}::{u % 21}::{10000 + u}\n" for u in range(1, users + 1)))
        (d/'movies.dat').write_text(''.join(f"{m}::{t}::{genres[m % 5] or ('(no genres listed)' if dataset == 'ml-10m' else 'Drama')}\n" for m, t in enumerate(titles, 1)), encoding='latin-1')
        (d/'ratings.dat').write_text(''.join(f'{u}::{m}::{r:g}::{970000000 + i}\n' for i, ((u, m), r) in enumerate(zip(pairs, stars))))
    else:
        (d/'movies.csv').write_text('movieId,title,genres\n' + ''.join(f'{m},"{t}",{genres[m % 5] or "(no genres listed)"}\n' for m, t in enumerate(titles, 1)))
        (d/'ratings.csv').write_text('userId,movieId,rating,timestamp\n' + ''.join(f'{u},{m},{r:.1f},{1100000000 + i}\n' for i, ((u, m), r) in enumerate(zip(pairs, stars))))
    return d
