"""`python -m newsvault`: the command line."""

from newsvault.cli import main

main()
