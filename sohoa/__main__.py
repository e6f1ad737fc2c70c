"""``python -m sohoa``: the same CLI, used to start child processes portably."""

from sohoa.cli import main

main()
