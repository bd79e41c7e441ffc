"""``python -m iimgraph``: the same command as the ``iimgraph`` script."""

from iimgraph.cli import main

main()
