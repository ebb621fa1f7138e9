"""`python -m api.cli`."""

from . import main

main()
