"""Format handlers; importing this package registers every handler."""

from tianping.labels._formats import _audio, _image, _markdown, _ooxml, _pdf, _video

__all__ = ["_audio", "_image", "_markdown", "_ooxml", "_pdf", "_video"]
