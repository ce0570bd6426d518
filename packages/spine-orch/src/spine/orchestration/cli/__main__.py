"""``python -m spine.orchestration.cli``: the ``spine`` command."""

from spine.orchestration.cli import main

if __name__ == "__main__":
    main()
