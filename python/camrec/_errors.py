# SPDX-License-Identifier: LGPL-2.1-or-later
"""The exceptions camrec raises (importable without the compiled extension)."""


class Error(Exception):
    """A camrec error.

    ``code`` is camrec's short error name ("not_found", "no_space", "malformed",
    "invalid_argument", "wrong_state", ...: the names `camrec` prints), ``message`` says what
    happened and, where it helps, what to do next.
    """

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class AddressError(Error, ValueError):
    """An address that camrec did not hand out, or whose memory is no longer alive."""

    def __init__(self, message: str):
        super().__init__("invalid_argument", message)


class Mp4Error(Error):
    """A kd_mp4_* call failed; ``ret`` is the negative K_MP4_ERR_* value the board returns."""

    def __init__(self, ret: int, code: str, message: str):
        super().__init__(code, message)
        self.ret = ret
