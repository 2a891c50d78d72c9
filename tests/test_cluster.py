"A 3-node Elasticsearch cluster loses a node under query load (make test starts the cluster; without one this test fails)."
import os, subprocess, time
from pathlib import Path

from conftest import ALIAS
from fm_recsys.serving import query_during

ES_RUN = Path(__file__).parents[1]/'es'/'run'


def node_of_primary(client, index):
    "The number of the node (fm-recsys-N) that holds the primary shard of `index`"
    shards = client.cat.shards(index=index, format='json', h='prirep,node')
    return int(next(s['node'] for s in shards if s['prirep'] == 'p').rsplit('-', 1)[1])


def test_cluster_survives_losing_a_node(client, indexed, capsys):
    es, local = indexed
    nodes = len(client.cat.nodes(format='json'))
    assert nodes == 3, f'this test needs the 3-node cluster of `make es NODES=3`, the server has {nodes} node(s)'
    env = dict(os.environ, NODES='3')
    (index,) = client.indices.get_alias(name=ALIAS)  # the index being served
    health = client.cluster.health(index=index)
    assert health['status'] == 'green' and health['active_shards'] == 2  # the primary and its replica
    count = client.count(index=ALIAS)['count']
    victim, figures = node_of_primary(client, index), {}

    def lose_and_restore():
        subprocess.run([ES_RUN, 'kill', str(victim)], env=env, check=True, timeout=60, capture_output=True)
        time.sleep(5)  # queries run against the two nodes left
        start = time.perf_counter()
        subprocess.run([ES_RUN, 'start'], env=env, check=True, timeout=240, capture_output=True)
        health = client.cluster.health(wait_for_status='green', wait_for_no_relocating_shards=True, timeout='120s')
        figures.update(green_s=time.perf_counter() - start, health=health)

    requests = [dict(age='18-24', gender='M'), dict(age='50-55', gender='F'), dict(user=10), dict(user=4169)]
    queries, failures = query_during(lose_and_restore, es, requests, threads=4, reference=local)
    assert failures == [], failures[:5]
    health = figures['health']
    assert not health['timed_out'] and health['status'] == 'green' and health['unassigned_shards'] == 0
    assert len(client.cat.nodes(format='json')) == 3
    assert client.count(index=ALIAS)['count'] == count
    with capsys.disabled():
        print(f'\ncluster: node {victim} (primary) SIGKILLed under load: {queries} queries at concurrency 4, {len(failures)} failed '
              f'or differed from in-process; green again {figures["green_s"]:.1f} s after the restart began; {count} documents before and after')
