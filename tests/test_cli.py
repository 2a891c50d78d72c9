"The console script end to end on the real data, and its errors."
import json, os, re, shlex, shutil, signal, subprocess, sys, time
from pathlib import Path

import pytest

from conftest import write_ml1m
from fm_recsys.cli import parser


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


def test_recommend_explained(trained, artifacts):
    out, _ = trained
    for model, request in [(out, ['--user', 1]), (artifacts, ['--user', 1]), (artifacts, ['--liked', 'Toy Story (1995)', '--age', '25-34'])]:
        listed = json.loads(fm_recsys('recommend', '--artifacts-dir', model, *request, '--explain', '--json').stdout)
        for movie in listed:
            assert {tuple(t) for t in movie['explanation']} == {('feature', 'label', 'contribution')}
            assert abs(sum(t['contribution'] for t in movie['explanation']) - movie['score']) < 1e-5, movie
    table = fm_recsys('recommend', '--artifacts-dir', artifacts, '--age', '50-55', '--gender', 'F', '--top', 3, '--explain').stdout.splitlines()
    assert table[0].split() == ['movie_id', 'title', 'score', 'why'] and len(table) == 4
    assert all(re.search(r'(age 50-55|women|this movie.s overall appeal) [+-]\d\.\d\d', line) for line in table[1:]), table


def test_similar(trained):
    out, _ = trained
    by_title = json.loads(fm_recsys('similar', '--artifacts-dir', out, '--movie', 'Toy Story (1995)', '--json').stdout)
    by_id = json.loads(fm_recsys('similar', '--artifacts-dir', out, '--movie', 1, '--json').stdout)
    assert by_title == by_id and len(by_title) == 10


@pytest.mark.parametrize('args, message', [
    (['recommend', '--age', 'old'], "unknown age 'old' (valid: 1 (Under 18), 18 (18-24)"),
    (['recommend', '--gender', 'x'], "unknown gender 'x' (valid: F, M)"),
    (['recommend', '--occupation', 'pilot'], '12 (programmer)'),
    (['recommend', '--user', 99999], 'unknown user 99999'),
    (['recommend'], 'give a known user, or at least one of age, gender, occupation, liked movies'),
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
    assert proc.returncode == 2 and f"{tmp_path/'features.json'}: missing; run `fm-recsys train`" in proc.stderr


def one_line_error(proc, message):
    "Assert that `proc` failed with exit status 2 and the single line `fm-recsys...: error: ...message...`"
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert 'error:' in lines[-1] and message in lines[-1], proc.stderr
    assert 'Traceback' not in proc.stderr


def ml1m_copy(ml1m_dir, directory, ratings=None):
    "A copy of MovieLens 1M in `directory`, with `ratings(text)` in place of ratings.dat's text"
    directory.mkdir()
    for name in ('users.dat', 'movies.dat', 'ratings.dat'): shutil.copy(ml1m_dir/name, directory)
    if ratings: (directory/'ratings.dat').write_bytes(ratings((directory/'ratings.dat').read_bytes()))
    return directory


@pytest.mark.parametrize('ratings, message', [
    (lambda text: b'', 'ratings.dat: the file is empty'),
    (lambda text: text[:-5], "ratings.dat:1000209: the last line has no line end, the file looks cut short: '6040::1097::4::95671'"),
])
def test_broken_ratings_file_trains_nothing(ml1m_dir, tmp_path, ratings, message):
    data = ml1m_copy(ml1m_dir, tmp_path/'ml-1m', ratings)
    one_line_error(fm_recsys('train', '--data-dir', data, '--artifacts-dir', tmp_path/'out', '--epochs', 1, check=False), message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['ml-1m']  # no output folder, no staging folder


def test_failed_training_keeps_the_model_in_place(trained, ml1m_dir, tmp_path):
    out = tmp_path/'model'
    shutil.copytree(trained[0], out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    data = ml1m_copy(ml1m_dir, tmp_path/'ml-1m', lambda text: text[:-5])
    one_line_error(fm_recsys('train', '--data-dir', data, '--artifacts-dir', out, check=False), 'the file looks cut short')
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_other_counts_warn_in_one_line(tmp_path):
    proc = fm_recsys('train', '--data-dir', write_ml1m(tmp_path/'small'), '--artifacts-dir', tmp_path/'out', '--k', 4, '--epochs', 1)
    assert proc.stderr.count('fm-recsys: warning:') == 1
    assert '6 ratings, 3 users, 3 movies, where MovieLens 1M has 1,000,209, 6,040, 3,883: not the official data set' in proc.stderr


@pytest.mark.parametrize('command, top', [('recommend', 0), ('recommend', -5), ('similar', 0), ('similar', -5)])
def test_top_must_be_positive(trained, command, top):
    query = ['--age', '18-24'] if command == 'recommend' else ['--movie', 1]
    one_line_error(fm_recsys(command, '--artifacts-dir', trained[0], *query, '--top', top, check=False), f'argument --top: must be ≥ 1, not {top}')


@pytest.mark.parametrize('option, value, message', [
    ('--epochs', 0, 'epochs must be ≥ 1, not 0'), ('--batch-size', -1, 'batch_size must be ≥ 1, not -1'),
    ('--lr', 0, 'lr must be > 0, not 0.0'), ('--k', -1, 'k must be ≥ 0, not -1'), ('--members', 0, 'members must be ≥ 1, not 0'),
    ('--valid-frac', 1, 'must lie in [0, 1), not 1.0'), ('--neighbours', 0, 'neighbours must be ≥ 1, not 0'),
    ('--weight-decay', 'nan', 'weight_decay must be ≥ 0, not nan'),
])
def test_numeric_options_out_of_range(tmp_path, option, value, message):
    one_line_error(fm_recsys('train', '--artifacts-dir', tmp_path/'out', option, value, check=False), f'argument {option}: {message}')
    assert not (tmp_path/'out').exists()


@pytest.mark.parametrize('name, content, query', [
    ('embeddings.npz', b'\x80\x04garbage', ['--age', 18]),
    ('features.json', b'{"fields": [', ['--age', 18]),
    ('ratings.npz', b'PK\x03\x04 cut', ['--user', 1]),
])
def test_garbled_artifact_is_named(trained, tmp_path, name, content, query):
    out = tmp_path/'model'
    shutil.copytree(trained[0], out)
    (out/name).write_bytes(content)
    one_line_error(fm_recsys('recommend', '--artifacts-dir', out, *query, check=False), f'{out/name}: unreadable')


def readme_commands():
    "Every `fm-recsys ...` command in README.md's code blocks, as argument lists"
    text = (Path(__file__).parents[1]/'README.md').read_text()
    for block in re.findall(r'```bash\n(.*?)```', text, re.S):
        for line in block.replace('\\\n', ' ').splitlines():
            words = shlex.split(line, comments=True)
            starts = [i for i, w in enumerate(words) if w.endswith('fm-recsys')]
            if starts: yield words[starts[0] + 1:]


def test_readme_commands_parse():
    commands = list(readme_commands())
    assert len(commands) >= 8 and {c[0] for c in commands} >= {'train', 'recommend', 'similar', 'index'}
    for argv in commands: parser().parse_args(argv)  # argparse exits on anything it does not know


def test_train_on_every_rating(tmp_path):
    "--valid-frac 0: nothing held out, no validation RMSE, a model that recommends"
    data = write_ml1m(tmp_path/'ml')
    metrics = json.loads(fm_recsys('train', '--data-dir', data, '--artifacts-dir', tmp_path/'out', '--k', 4, '--epochs', 1, '--valid-frac', 0, '--json').stdout)
    assert metrics['valid_rmse'] is None
    assert (tmp_path/'out'/'valid_rows.csv').read_text().strip().splitlines()[1:] == []
    assert json.loads(fm_recsys('recommend', '--artifacts-dir', tmp_path/'out', '--user', 1, '--json').stdout)


def test_no_network_is_one_line(tmp_path):
    "No local copy and no way to download: one line naming the URL and how to point at a copy"
    env = {k: v for k, v in os.environ.items() if k != 'FM_RECSYS_DATA'}
    env.update(HTTPS_PROXY='http://127.0.0.1:9', https_proxy='http://127.0.0.1:9')  # a closed port: the download fails at once
    proc = subprocess.run([Path(sys.executable).parent/'fm-recsys', 'train', '--cache-dir', tmp_path/'cache', '--artifacts-dir', tmp_path/'out'],
                          capture_output=True, text=True, env=env)
    one_line_error(proc, 'https://files.grouplens.org/datasets/movielens/ml-1m.zip: cannot download')
    assert 'FM_RECSYS_DATA or --data-dir' in proc.stderr
    assert not (tmp_path/'out').exists()


def test_ctrl_c_is_one_line(ml1m_dir, tmp_path):
    "Ctrl-C during training: one line, exit status 130, and the artifacts folder as it was"
    out = tmp_path/'out'
    out.mkdir(); (out/'kept.txt').write_text('an earlier run')
    proc = subprocess.Popen([Path(sys.executable).parent/'fm-recsys', 'train', '--data-dir', ml1m_dir, '--artifacts-dir', out, '--k', '16', '--epochs', '50'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # a shell's background job (`make test &`) passes Ctrl-C on ignored
    while proc.stderr.read(1) == '': time.sleep(0.1)  # the first progress output: inside the command, past the imports
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == f'fm-recsys: interrupted; {out} is as it was'
    assert 'Traceback' not in stderr
    assert [p.name for p in out.parent.iterdir()] == ['out'] and [p.name for p in out.iterdir()] == ['kept.txt']


def test_closed_pipe_is_quiet(trained):
    "A reader that leaves early (`| head -1`) ends the command silently with SIGPIPE's status 141, as Unix tools do, not with an error"
    out, _ = trained
    command = f'{shlex.quote(str(Path(sys.executable).parent/"fm-recsys"))} similar --artifacts-dir {shlex.quote(str(out))} --movie 1 --top 3000'
    proc = subprocess.run(['bash', '-c', f'set -o pipefail; {command} | head -1'], capture_output=True, text=True)
    assert (proc.returncode, proc.stderr, proc.stdout.split()[:2]) == (141, '', ['movie_id', 'title'])
