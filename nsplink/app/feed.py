"""The crisis organisation's feed over the region's broker (issue 23): what a bridged CP verified
or signed, readable without nsplink, beside the signed frames the CPs exchange.

    nsplink/feed/v1/<region>/cap/<CAP identifier>   a bulletin: one CAP 1.2 <alert> (XML)
    nsplink/feed/v1/<region>/sitrep/<message id>    a situation report: one JSON item
    nsplink/feed/v1/<region>/supply/<message id>    a supply request: one JSON item

The JSON items are those of `nsplink export --json` (export.schema.json, #/$defs/sitrep and
#/$defs/supply). QoS 1 and retained: a subscriber that connects later still gets the picture,
one retained message per topic. Every bridged CP that holds a message publishes the same bytes
on the same topic, so two CPs publishing it change nothing. Emergency reports are not on the
feed: they go to the meldkamer through the CP operator, and as files under the export policy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from nsplink.app.export import bulletin_cap, cap_document, cap_identifier, json_item
from nsplink.protocol import Bulletin, SignedMessage, Sitrep, Supply

FEED_ROOT = "nsplink/feed/v1"


@dataclass(frozen=True)
class FeedMessage:
    topic: str
    payload: bytes


def feed_topic(region: str) -> str:
    """The filter a crisis organisation subscribes to for its region."""
    return f"{FEED_ROOT}/{region}/#"


def feed_message(
    msg: SignedMessage, region: str, superseded: SignedMessage | None = None
) -> FeedMessage | None:
    """The feed's message for one verified message; None for what the feed does not carry."""
    body = msg.envelope.body
    if isinstance(body, Bulletin):
        ident = cap_identifier(region, msg)
        payload = cap_document(bulletin_cap(msg, region, superseded))
        return FeedMessage(f"{FEED_ROOT}/{region}/cap/{ident}", payload)
    if isinstance(body, Sitrep | Supply):
        item = json_item(msg)
        assert item is not None
        kind = msg.envelope.type.value
        payload = json.dumps(item, ensure_ascii=False, sort_keys=True).encode()
        return FeedMessage(f"{FEED_ROOT}/{region}/{kind}/{msg.id}", payload)
    return None
