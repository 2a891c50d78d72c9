"""Build the tutorial's static site, offline: the notebooks of nbs/ with their committed outputs (those of the full
run), and an API reference generated from the package, rendered by Sphinx with myst-nb.

  python docs/site/build.py [OUT]    stage the sources in docs/_build/src, write the site to OUT (docs/_build/html)
"""
import json, shutil, subprocess, sys
from pathlib import Path

import jupyter_server_mathjax

ROOT = Path(__file__).parents[2]
SITE, STAGE = ROOT/'docs'/'site', ROOT/'docs'/'_build'/'src'
MODULES = ('data', 'model', 'train', 'embeddings', 'recommend', 'evaluation', 'features', 'serving', 'cli', 'service')
TOC = """```{toctree}
:hidden:
:caption: Tutorial
:maxdepth: 1
%s
```

```{toctree}
:hidden:
:caption: Reference
:maxdepth: 1
%s
api
```"""


def _directives(cell):
    "The `#| name value` lines at the top of a code cell, as {name: value}"
    lines = ''.join(cell['source']).splitlines()
    return dict((line[3:].strip() + ' ').split(' ', 1) for line in lines if line.startswith('#| '))


def site_notebook(notebook):
    "`notebook` as the site shows it: hidden and `default_exp` cells removed, `#|` directives dropped from the code shown"
    cells = []
    for cell in notebook['cells']:
        if cell['cell_type'] == 'code':
            directives = _directives(cell)
            if {'hide', 'default_exp'} & set(directives): continue
            cell = dict(cell, source='\n'.join(l for l in ''.join(cell['source']).splitlines() if not l.startswith('#|')))
        cells.append(cell)
    return dict(notebook, cells=cells)


def stage():
    "Write the site's sources into STAGE: the landing page with the tables of contents, the notebooks, the API pages"
    shutil.rmtree(STAGE, ignore_errors=True)
    (STAGE/'_static').mkdir(parents=True)
    numbered = sorted((ROOT/'nbs').glob('[0-9][0-9]_*.ipynb'))
    reference = [p.stem for p in numbered if p.stem in ('08_cli', '09_service')]
    tutorial = [p.stem for p in numbered if p.stem not in reference]
    for path in numbered: (STAGE/path.name).write_text(json.dumps(site_notebook(json.loads(path.read_text()))))
    index = json.loads((ROOT/'nbs'/'index.ipynb').read_text())
    index['cells'].append(dict(cell_type='markdown', id='contents', metadata={}, source=TOC % ('\n'.join(tutorial), '\n'.join(reference))))
    (STAGE/'index.ipynb').write_text(json.dumps(index))
    api = ['# API reference', '', 'Every public symbol of the `fm_recsys` package, module by module, as exported from the notebooks.', '']
    for module in MODULES:
        api += [f'## fm_recsys.{module}', '', '```{eval-rst}', f'.. automodule:: fm_recsys.{module}', '   :members:', '```', '']
    (STAGE/'api.md').write_text('\n'.join(api))
    mathjax = Path(jupyter_server_mathjax.__file__).parent/'static'
    shutil.copytree(mathjax, STAGE/'_static'/'mathjax', ignore=shutil.ignore_patterns('localization'))


def build(out):
    stage()
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([sys.executable, '-m', 'sphinx', '-b', 'html', '-q', '-c', str(SITE), str(STAGE), str(out)], check=True)
    pages = list(Path(out).glob('*.html'))
    size = sum(f.stat().st_size for f in Path(out).rglob('*') if f.is_file())
    print(f'{out}: {len(pages)} pages, {size / 2**20:.1f} MiB')


if __name__ == '__main__':
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT/'docs'/'_build'/'html')
