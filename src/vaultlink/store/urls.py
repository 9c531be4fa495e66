"""Store URLs: which backend a `--store` URL names, and for SQLite which file.

SQLite URLs follow SQLAlchemy's convention: `sqlite:///` and then the path, so three slashes start a path
relative to the working directory (`sqlite:///data/v.db`) and four an absolute one (`sqlite:////tmp/v.db`).
PostgreSQL URLs are libpq's (`postgresql://user[:password]@host[:port]/database`, also `postgres://`).
Anything else is refused with one line naming the problem and the accepted forms, before anything is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ACCEPTED = ("sqlite:///relative/path.db, sqlite:////absolute/path.db, or "
            "postgresql://user[:password]@host[:port]/database")
SQLITE = "sqlite:///"
POSTGRES = ("postgresql://", "postgres://")


class StoreUrlError(ValueError):
    """A store URL vaultlink cannot use; the message names the problem and the accepted forms."""


@dataclass(frozen=True)
class StoreUrl:
    backend: str
    """"sqlite" or "postgresql"."""
    url: str
    sqlite_path: Path | None = None
    """For SQLite: the file, as the URL names it (relative to the working directory unless it is absolute)."""

    def describe(self) -> str:
        """The URL with what it means, e.g. for a relative SQLite path the absolute file it names."""
        if self.sqlite_path is None or self.sqlite_path.is_absolute():
            return self.url
        return (f"{self.url} = the file {self.sqlite_path.resolve()} (three slashes: relative to the working "
                f"directory; sqlite:////{self.sqlite_path} would be absolute)")


def parse_store_url(url: str) -> StoreUrl:
    if url.startswith(POSTGRES):
        if any(c.isspace() for c in url):
            raise StoreUrlError(f"the store URL {url!r} holds a space; accepted: {ACCEPTED}")
        return StoreUrl("postgresql", url)
    if url.startswith("sqlite:"):
        if not url.startswith(SQLITE):
            raise StoreUrlError(f"the store URL {url!r} needs three slashes after sqlite: (sqlite:///PATH); "
                                f"accepted: {ACCEPTED}")
        path = url[len(SQLITE):]
        if not path or path.endswith("/"):
            raise StoreUrlError(f"the store URL {url!r} names no file; accepted: {ACCEPTED}")
        return StoreUrl("sqlite", url, Path(path))
    scheme = url.split(":", 1)[0] if ":" in url else ""
    problem = f"the scheme {scheme!r} is not a store vaultlink has" if scheme else "it has no scheme"
    raise StoreUrlError(f"cannot use the store URL {url!r}: {problem}; accepted: {ACCEPTED}")
