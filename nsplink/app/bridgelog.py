"""The log rows the bridge and the daemon share (issue 23, app/bridge.py), without the MQTT
client: the daemon feeds `bridge.frame_in` frames to its engine as radio frames from
`BRIDGE_NODE`, and marks how far it got with `bridge.fed`."""

from __future__ import annotations

from typing import Final

from nsplink.protocol import OFF_AIR_NODE

BRIDGE_NODE: Final = OFF_AIR_NODE  # the "radio node" of a frame that came over the bridge

FRAME_IN: Final = "bridge.frame_in"
"""A frame another CP published on the broker, taken in (frame). data: topic, from (the key id
the topic names: a routing hint only, the signature decides)."""
FED: Final = "bridge.fed"
"""The daemon gave every bridge.frame_in up to this log id to its engine. data: upto, frames."""
PUBLISHED: Final = "bridge.published"
"""The broker acknowledged (QoS 1) every frame to publish up to this log id. data: upto, frames."""
REJECTED: Final = "bridge.rejected"
"""Something on the broker that is not a frame of ours. data: code, topic; or counted (how many
more in that minute)."""
CONNECTED: Final = "bridge.connected"
"""data: broker."""
DISCONNECTED: Final = "bridge.disconnected"
"""data: reason."""
