# SPDX-License-Identifier: LGPL-2.1-or-later
"""Addresses handed to CanMV scripts, and the check every use of one goes through.

On the board StreamData.data[i] and uctypes.addressof() are raw pointers. Here they are the
same real addresses, but each is a capability: camrec remembers the ranges it handed out
(a bytearray, an encoder pack not yet released, the demuxer's current frame) and accepts an
address only inside a range whose memory is still alive. Anything else raises
camrec.AddressError instead of reading or writing stray memory.
"""
import sys

from camrec._errors import AddressError

from camrec import _camrec

_k230 = _camrec.k230


class _Range:
    __slots__ = ("base", "length", "kind", "obj", "stream", "pack", "owner")

    def __init__(self, base, length, kind, obj=None, stream=None, pack=0, owner=None):
        self.base = base
        self.length = length
        self.kind = kind      # "buffer" (addressof), "pack" (encoder), "frame" (demuxer)
        self.obj = obj        # buffer and frame ranges: the object whose memory it is
        self.stream = stream  # pack ranges: the encoder stream
        self.pack = pack
        self.owner = owner    # frame ranges: the demuxer handle

    def describe(self):
        return f"{self.kind} at 0x{self.base:x} ({self.length} bytes)"


class Resolved:
    """Where an address range lives: a memoryview of a buffer, or an encoder pack."""

    __slots__ = ("view", "stream", "pack", "offset", "length")

    def __init__(self, view=None, stream=None, pack=0, offset=0, length=0):
        self.view = view
        self.stream = stream
        self.pack = pack
        self.offset = offset
        self.length = length

    def read(self) -> bytes:
        if self.stream is not None:
            return self.stream.read(self.pack, self.offset, self.length)
        return bytes(self.view)


class AddressBook:
    """The ranges handed out and still alive."""

    def __init__(self):
        self._ranges = []

    def _purge(self):
        # A buffer only the book still refers to is dead to the script: forget it, so its
        # memory can go and its address stops being accepted. (2 = the slot + the argument.)
        self._ranges = [r for r in self._ranges if r.kind != "buffer" or sys.getrefcount(r.obj) > 2]

    def addressof(self, obj) -> int:
        """The real address of a bytes-like object's memory, remembered as a live range."""
        try:
            base, length = _k230.buffer_address(obj)
        except TypeError:
            raise TypeError(f"uctypes.addressof: a {type(obj).__name__} has no address here; "
                            "pass a bytearray or bytes") from None
        self._purge()
        self._ranges = [r for r in self._ranges if not (r.kind == "buffer" and r.obj is obj)]
        self._ranges.append(_Range(base, length, "buffer", obj=obj))
        return base

    def add_stream(self, stream):
        """Remembers every pack of an encoder stream until forget_stream()."""
        for i, (base, size) in enumerate(zip(stream.addresses, stream.sizes)):
            self._ranges.append(_Range(base, size, "pack", stream=stream, pack=i))

    def forget_stream(self, stream):
        self._ranges = [r for r in self._ranges if r.stream is not stream]

    def set_frame(self, owner, data: bytes) -> int:
        """Remembers `data` as `owner`'s current frame (replacing its previous one); returns
        its address (0 for no data)."""
        self.forget_owner(owner)
        if not data:
            return 0
        base, length = _k230.buffer_address(data)
        self._ranges.append(_Range(base, length, "frame", obj=data, owner=owner))
        return base

    def forget_owner(self, owner):
        self._ranges = [r for r in self._ranges if r.owner is None or r.owner != owner]

    def resolve(self, address, length, what) -> Resolved:
        """The live range holding [address, address + length), or AddressError naming `what`."""
        if isinstance(address, bool) or not isinstance(address, int):
            raise TypeError(f"{what}: an address must be an int (from uctypes.addressof() or "
                            f"StreamData.data[i]), not {type(address).__name__}")
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise TypeError(f"{what}: the length must be a non-negative int")
        self._purge()
        for r in self._ranges:
            if r.base <= address and address + length <= r.base + r.length:
                return self._check_alive(r, address, length, what)
        for r in self._ranges:
            if r.base <= address < r.base + r.length:
                raise AddressError(f"{what}: {length} bytes at 0x{address:x} run past the end of the "
                                   f"{r.describe()}")
        raise AddressError(f"{what}: 0x{address:x} is not an address camrec handed out (or its memory is gone): "
                           "use uctypes.addressof() of a live bytearray, or StreamData.data[i] before "
                           "ReleaseStream")

    def _check_alive(self, r, address, length, what):
        offset = address - r.base
        if r.kind == "pack":
            if not r.stream.alive:
                raise AddressError(f"{what}: the encoder pack at 0x{address:x} was released (ReleaseStream) "
                                   "or its channel destroyed: use its data before releasing it")
            return Resolved(stream=r.stream, pack=r.pack, offset=offset, length=length)
        base, current = _k230.buffer_address(r.obj)
        if base != r.base or current < offset + length:
            raise AddressError(f"{what}: the {type(r.obj).__name__} at 0x{r.base:x} was resized since "
                               "uctypes.addressof(): take its address again")
        return Resolved(view=memoryview(r.obj)[offset:offset + length])

    def live_ranges(self) -> int:
        """How many ranges are remembered (for tests)."""
        self._purge()
        return len(self._ranges)


#: The one book of the process.
book = AddressBook()
