"""Write the package's non-Python files from the notebooks, as nbdev_export writes its modules: every code cell that
starts with `%%writefile ../fm_recsys/...` is the source of that file (the web page's HTML, CSS and JavaScript).

  python docs/notebook_files.py    write them; `make export` runs it after nbdev_export
"""
import json
from pathlib import Path

ROOT = Path(__file__).parents[1]
MAGIC = '%%writefile '


def notebook_files():
    "(path, text) of every `%%writefile` cell of the numbered notebooks that writes into the package"
    for notebook in sorted((ROOT/'nbs').glob('[0-9][0-9]_*.ipynb')):
        for cell in json.loads(notebook.read_text())['cells']:
            first, _, body = ''.join(cell['source']).partition('\n')
            if cell['cell_type'] == 'code' and first.startswith(MAGIC + '../fm_recsys/'):
                yield (ROOT/'nbs'/first[len(MAGIC):].strip()).resolve(), body + '\n'


if __name__ == '__main__':
    for path, text in notebook_files():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding='utf-8') != text: path.write_text(text, encoding='utf-8')
        print(path.relative_to(ROOT))
