# SPDX-License-Identifier: LGPL-2.1-or-later
"""MicroPython's uctypes, the part CanMV recording scripts use: addressof and bytearray_at.

addressof() returns the real address of a bytes-like object's memory and remembers it;
bytearray_at()/bytes_at() accept only addresses camrec handed out whose memory is alive (a
bytearray still referenced, an encoder pack not yet released, the demuxer's current frame)
and raise camrec.AddressError otherwise. Unlike the board, bytearray_at returns a copy:
writing to it does not change the memory it came from.
"""
from camrec.canmv.memory import book


def addressof(obj) -> int:
    """The address of `obj`'s memory (a bytearray or bytes)."""
    return book.addressof(obj)


def bytearray_at(addr, size) -> bytearray:
    """A copy of `size` bytes at `addr`, as a bytearray."""
    return bytearray(book.resolve(addr, size, "uctypes.bytearray_at").read())


def bytes_at(addr, size) -> bytes:
    """A copy of `size` bytes at `addr`."""
    return book.resolve(addr, size, "uctypes.bytes_at").read()


def struct(*args, **kwargs):
    """Not available: raw struct views of memory cannot be checked."""
    raise NotImplementedError("uctypes.struct is not available in camrec-canmv: use the structs of "
                              "mpp.mp4_format_struct, or bytes copies from uctypes.bytearray_at")
