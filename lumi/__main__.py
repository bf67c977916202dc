"""``python -m lumi`` runs the command line."""

from lumi.cli import main

main()
