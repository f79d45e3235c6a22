"""Every error a user can see: one base class, each subclass named for what happened; messages are one line."""
from __future__ import annotations


class QAError(Exception):
    """Base of every user-facing error; `str(exc)` is the one line to show. Front ends catch this once."""

    def __str__(self) -> str:  # KeyError-style quoting would wrap the message in quotes
        return " ".join(str(self.args[0]).split()) if self.args else self.__class__.__name__


class IndexUnavailable(QAError):
    """The index is missing, empty, damaged or cannot be written; the message names the fix."""


class IndexBusy(IndexUnavailable):
    """Another process held the database longer than the wait allows; nothing is wrong with it."""


class DiskFull(IndexUnavailable):
    """A write ran out of space; it was rolled back and the previous index still answers."""


class QuestionError(QAError, ValueError):
    """A question (or its k, filters or conversation) that cannot be asked."""


class UnknownDocument(QAError, KeyError):
    """No document with that id in the index."""


class FactModelUnavailable(QAError):
    """The named-entity model that marks an answer's fact is not installed or cannot be read."""


class LoadError(QAError):
    """A file that cannot be read as an article (empty, binary, too large, unparseable)."""


class BuildLocked(QAError):
    """Another build of the same index is running."""


class UploadError(QAError, ValueError):
    """An upload that cannot be stored; the message names the file."""


class BenchmarkError(QAError, ValueError):
    """A benchmark or question set that cannot be read."""


class UsageError(QAError):
    """A command-line or request argument that is not valid."""


class FetchError(QAError):
    """A page that cannot be added by its URL (no network, HTTP error, not HTML, no article text, already there)."""


class AddressNotAllowed(FetchError):
    """A URL (or a redirect on the way) that leads to a loopback, private or otherwise non-public address."""


class CollectionError(QAError):
    """A change to the collection folders that is refused (a file outside them) or failed; nothing was lost."""


class ClusterError(QAError):
    """A build over a Ray cluster could not start or finish (Ray missing, no cluster at the address, work lost)."""


class UnknownConversation(QAError, KeyError):
    """No conversation with that id belongs to this user (another user's is not told apart from a missing one)."""


class ConversationError(QAError, ValueError):
    """A conversation that cannot be stored or changed as asked (an empty title, too many questions)."""
