"The Elasticsearch backend against a real server (make test starts one; without it these tests fail, never skip)."
import shutil

import numpy as np
import pytest

from conftest import ALIAS
from fm_recsys.serving import (IndexingError, SearchRecommender, connect, index_model, model_indices, query_during,
                               recall_at, same_answers, same_explanations)
from fm_recsys.train import TrainConfig, train


def test_backends_agree(indexed):
    es, local = indexed
    users = np.random.default_rng(1).choice(local.features.values['user'], 30, replace=False)
    requests = [dict(age='18-24', gender='M'), dict(age='50-55', gender='F'), *(dict(user=int(u)) for u in users),
                dict(liked=['Toy Story (1995)', 2858]), dict(liked=[1196, 260, 1210], age='25-34')]
    assert same_answers(local, es, requests) == 34
    assert es.similar('Toy Story (1995)').movie_id.tolist() == local.similar('Toy Story (1995)').movie_id.tolist()


def test_explanations_agree_and_sum_to_the_scores(client, indexed, artifacts):
    es, local = indexed
    # metadata alone, known users (4169 rated the most movies), liked movies, and both
    requests = [dict(age='25-34', gender='F', occupation='scientist'), dict(user=1), dict(user=4169), dict(liked=['Toy Story (1995)', 2858]),
                dict(liked=[1196, 260, 1210], age='25-34', gender='M')]
    assert same_explanations(local, es, requests) == len(requests)
    knn = SearchRecommender(client, artifacts, ALIAS, mode='knn')
    for backend, tol in ((es, 1e-5), (knn, 1e-4)):
        for request in requests:
            listed = backend.recommend(**request, explain=True)
            assert np.allclose([sum(t['contribution'] for t in terms) for terms in listed.explanation], listed.score, atol=tol), request
    assert {'bias', 'rated_others', 'age_50', 'gender_M'} <= {t['feature'] for t in es.recommend(user=4169, n=1, explain=True).explanation[0]}  # 4169: a man aged 50-55
    np.testing.assert_allclose(es.explain(1, user=42).contribution, local.explain(1, user=42).contribution, atol=1e-5)


def test_liked_movies_are_left_out(indexed):
    es, _ = indexed
    assert not {1196, 260, 1210} & set(es.recommend(liked=[1196, 260, 1210], n=50).movie_id)


def test_known_user_rated_movies_are_left_out(indexed):
    es, local = indexed
    rated = {local.features.values['movie'][p] for p in local.profiles.rated_movies(10)}
    assert not rated & set(es.recommend(user=10, n=50).movie_id)


def test_knn_recall(client, indexed, artifacts):
    es, local = indexed
    knn = SearchRecommender(client, artifacts, ALIAS, mode='knn')
    requests = [dict(age=a, gender=g) for a in ('Under 18', '25-34', '56+') for g in 'FM']
    assert recall_at(es, knn, requests) >= 0.9


def test_reindex_under_load(client, indexed, artifacts):
    es, _ = indexed
    queries, failures = query_during(lambda: [index_model(client, artifacts, ALIAS, progress=False) for _ in range(2)],
                                     es, [dict(age='35-44', gender='F'), dict(user=42), dict(user=4169)])
    assert failures == [] and queries > 10
    assert len(model_indices(client, ALIAS)) == 2


def test_failed_indexing_keeps_the_served_index(client, indexed, artifacts, tmp_path):
    es, _ = indexed
    before = es.recommend(age='18-24', gender='M')
    served = list(client.indices.get_alias(name=ALIAS))
    bad = tmp_path/'bad'
    shutil.copytree(artifacts, bad)
    arrays = dict(np.load(bad/'embeddings.npz'))
    arrays['embedding'][-100, 0] = np.nan  # a movie vector the server must reject
    np.savez(bad/'embeddings.npz', **arrays)
    with pytest.raises(IndexingError, match='1 documents failed to index'):
        index_model(client, bad, ALIAS, progress=False)
    assert list(client.indices.get_alias(name=ALIAS)) == served
    assert set(model_indices(client, ALIAS)) >= set(served) and len(model_indices(client, ALIAS)) <= 2
    assert es.recommend(age='18-24', gender='M').equals(before)


def test_clear_errors(client, indexed, artifacts, tmp_path):
    es, _ = indexed
    assert (es.k, es.dims) == (16, 16 + 200 + 1)  # the FM's vectors, then the history half: RecVAE's 200 and its bias
    with pytest.raises(ValueError, match=f'query vector has 17 dimensions, index {es.index} has 217'): es.search(np.zeros(17))
    with pytest.raises(LookupError, match="no index or alias 'fm-recsys-none'"): SearchRecommender(client, artifacts, 'fm-recsys-none')
    with pytest.raises(KeyError, match="unknown gender 'X'"): es.recommend(gender='X')
    with pytest.raises(KeyError, match='unknown user 999999'): es.recommend(user=999999)
    with pytest.raises(ConnectionError, match='no Elasticsearch answers at http://127.0.0.1:9'): connect('http://127.0.0.1:9')
    other = tmp_path/'other'
    shutil.copytree(artifacts, other)
    train(other, TrainConfig(k=16, epochs=1, seed=5), progress=False)
    with pytest.raises(LookupError, match='was built from model .* but .* holds model .*: reindex'): SearchRecommender(client, other, ALIAS)
