"""The outputs committed in nbs/ are those of the full run (`make e2e`), so that a reader who does not run the
notebooks sees every result; this keeps them so and says when they are stale.

  python docs/notebook_outputs.py copy RUN_DIR   copy each executed notebook's outputs in RUN_DIR into nbs/ (cells
                                                 matched by id) and record the digest of the code they came from
  python docs/notebook_outputs.py check          exit 1, naming each notebook whose code changed since its outputs
                                                 were made (`make outputs` makes them again)
"""
import hashlib, json, sys
from pathlib import Path

NBS = Path(__file__).parents[1]/'nbs'
DIGESTS = Path(__file__).with_name('notebook_outputs.json')


def code_digest(notebook):
    "sha256 of the notebook's code cells, in order: what its outputs depend on (prose and `#|` directives may change freely)"
    cells = ['\n'.join(line for line in ''.join(c['source']).splitlines() if not line.startswith('#|'))
             for c in notebook['cells'] if c['cell_type'] == 'code']
    return hashlib.sha256('\0'.join(cells).encode()).hexdigest()


def shown(output):
    "Whether a reader should see `output`: not stderr (warnings, progress bars), which says nothing about the results"
    return not (output['output_type'] == 'stream' and output['name'] == 'stderr')


def copy(run_dir):
    "Copy the outputs of the executed notebooks in `run_dir` into their sources in nbs/, and record their code digests"
    digests = {}
    for source_path in sorted(NBS.glob('[0-9][0-9]_*.ipynb')):
        executed_path = Path(run_dir)/source_path.name
        if not executed_path.exists(): sys.exit(f'{executed_path}: missing; run `make e2e` first')
        source, executed = (json.loads(p.read_text()) for p in (source_path, executed_path))
        outputs = {c['id']: c.get('outputs', []) for c in executed['cells'] if c['cell_type'] == 'code'}
        for cell in source['cells']:
            if cell['cell_type'] != 'code': continue
            if cell['id'] not in outputs: sys.exit(f'{source_path}: cell {cell["id"]} is not in {executed_path}; run `make e2e` again')
            cell['outputs'] = [o for o in outputs[cell['id']] if shown(o)]
        source_path.write_text(json.dumps(source, indent=1, ensure_ascii=False) + '\n')
        digests[source_path.name] = code_digest(source)
    DIGESTS.write_text(json.dumps(digests, indent=1) + '\n')


def check():
    "Exit 1 naming the notebooks whose code changed since their committed outputs were made"
    recorded = json.loads(DIGESTS.read_text()) if DIGESTS.exists() else {}
    stale = [p.name for p in sorted(NBS.glob('[0-9][0-9]_*.ipynb')) if recorded.get(p.name) != code_digest(json.loads(p.read_text()))]
    if stale: sys.exit(f'outputs older than the code of {", ".join(stale)}: `make outputs` runs the notebooks and commits their outputs')
    print(f'outputs of {len(recorded)} notebooks match their code')


if __name__ == '__main__':
    if sys.argv[1:2] == ['copy'] and len(sys.argv) == 3: copy(sys.argv[2])
    elif sys.argv[1:] == ['check']: check()
    else: sys.exit(__doc__)
