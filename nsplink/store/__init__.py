"""The site's append-only, hash-chained SQLite log and the projections computed from it.

Public API (everything else in this package is internal):
- `Store` (async): open/close, append, append_many, iter_events/events, outbox, outbox_item,
  recipients, inbox, inbox_item, seq_state, next_seq, custody, head, data_version, verify,
  check_views, rebuild, erase_personal.
- `Event` and the kind constants in `nsplink.store.events`.
- `Record`, `OutboxItem`, `InboxItem`, `SeqState`, `CustodyItem` (read-only views).
- `VerifyReport` / `Problem` / `ViewProblem` from `verify()` and `check_views()`; the typed
  errors in `nsplink.store.errors`.
"""

from nsplink.store.audit import ViewProblem
from nsplink.store.chain import Problem, VerifyReport
from nsplink.store.errors import (
    EventInvalid,
    StoreBusy,
    StoreClosed,
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreIOError,
    StoreMissing,
    StoreTooNew,
    StoreUnwritable,
)
from nsplink.store.events import Event
from nsplink.store.schema import SCHEMA_VERSION
from nsplink.store.store import Store
from nsplink.store.views import ClaimItem, CustodyItem, InboxItem, OutboxItem, Record, SeqState

__all__ = [
    "SCHEMA_VERSION",
    "ClaimItem",
    "CustodyItem",
    "Event",
    "EventInvalid",
    "InboxItem",
    "OutboxItem",
    "Problem",
    "Record",
    "SeqState",
    "Store",
    "StoreBusy",
    "StoreClosed",
    "StoreCorrupt",
    "StoreError",
    "StoreFull",
    "StoreIOError",
    "StoreMissing",
    "StoreTooNew",
    "StoreUnwritable",
    "VerifyReport",
    "ViewProblem",
]
