"""``python -m graph`` is the ``lineagemesh`` command."""

from graph.cli import main

main()
