"""What people read for the sans-IO core's data, in Dutch and English.

nsplink.protocol and nsplink.lora hold no text: they raise errors with a stable `code`, a catalog
`key` and `params`, and use coded values (`Priority.P1`). This package holds their texts (one
module per origin, registered into nsplink.i18n's catalog on import) and the two functions every
layer above uses to show them: `code_label(code, lang)` and `render_error(err, lang)`.
"""

from nsplink.texts import codes, lora, protocol
from nsplink.texts.render import code_key, code_label, render_error

__all__ = ["code_key", "code_label", "codes", "lora", "protocol", "render_error"]
