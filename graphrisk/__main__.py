"""Run the command-line interface as ``python -m graphrisk``."""

from graphrisk.cli import main

if __name__ == "__main__":
    main()
