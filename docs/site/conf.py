# Sphinx configuration of the tutorial's site; `make docs` (docs/site/build.py) stages the notebooks beside it.
import importlib.metadata

project = 'fm-recsys'
author = 'fm-recsys developers'
release = importlib.metadata.version('fm_recsys')
extensions = ['myst_nb', 'sphinx.ext.autodoc', 'sphinx.ext.mathjax']
root_doc = 'index'
exclude_patterns = ['_build', '**.ipynb_checkpoints']

# The notebooks carry the outputs of the full run (`make outputs`): show them, never execute again.
nb_execution_mode = 'off'
nb_merge_streams = True
myst_enable_extensions = ['dollarmath', 'amsmath']
myst_heading_anchors = 3
autodoc_member_order = 'bysource'
autodoc_typehints = 'none'
suppress_warnings = ['myst.header', 'mystnb.unknown_mime_type', 'misc.highlighting_failure']

html_theme = 'sphinx_book_theme'
html_title = 'fm-recsys'
html_static_path = ['../_build/src/_static']  # staged by build.py
html_copy_source = False
html_theme_options = dict(show_toc_level=2, use_download_button=False, use_fullscreen_button=False,
                          use_repository_button=False, navigation_with_keys=False)
html_show_sourcelink = False
# Nothing from elsewhere: MathJax is served from the site itself (build.py copies it), and no fonts are fetched.
mathjax_path = 'mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full'
mathjax2_config = {'tex2jax': {'inlineMath': [['\\(', '\\)']], 'displayMath': [['\\[', '\\]']], 'processEscapes': True,
                                 'processClass': 'tex2jax_process|mathjax_process|math|output_area'},
                   'HTML-CSS': {'availableFonts': ['STIX-Web'], 'webFont': 'STIX-Web', 'imageFont': None},
                   'showMathMenu': False, 'messageStyle': 'none'}
