"""`python -m vaultlink.testing.serve DATA_DIR [vaultlink up options]`: the server of a test session.

The same server `vaultlink up` runs, started without the command line's parsing and banner: importing click
is about a tenth of a start, and a session fixture waits for every millisecond of it. Options are the few a
fixture passes (`--proxy-port`, `--dns-port`, `--store`, `--async-operations`, `--throttle`).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from vaultlink.core.config import Config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m vaultlink.testing.serve")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--proxy-port", type=int, default=0)
    parser.add_argument("--dns-port", type=int, default=0)
    parser.add_argument("--store", default=None)
    parser.add_argument("--async-operations", action="store_true")
    parser.add_argument("--throttle", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from vaultlink.runtime.server import run

    run(Config(data_dir=args.data_dir, store_url=args.store, proxy_port=args.proxy_port, dns_port=args.dns_port,
               async_operations=args.async_operations, throttle=args.throttle))


if __name__ == "__main__":
    main()
