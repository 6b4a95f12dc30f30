"""``python -m bubbleguard``."""

from bubbleguard.cli import main

if __name__ == "__main__":
    main()
