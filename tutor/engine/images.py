"""The local image store as `docker images`, `tag`, `rmi` and `history` see it (classic store).

An image is its config (the ID is the config's digest) plus the layers its config lists; tags are
references pointing at image IDs. Tags move, IDs don't: retagging leaves the old image dangling.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.engine.clock import parse_rfc3339
from tutor.engine.errors import EngineError
from tutor.engine.image import Image, ImageConfig
from tutor.engine.layers import Layer, chain_ids
from tutor.engine.oci import parse_config
from tutor.engine.reference import Reference, parse_docker_ref
from tutor.engine.store import ImageRecord, Store


class NoSuchImage(EngineError):
    """`Error response from daemon: No such image: nope:latest`."""

    def __init__(self, name: str) -> None:
        super().__init__(f"No such image: {name}")


class ImageConflict(EngineError):
    """A removal Docker refuses (`conflict: unable to delete …`)."""


@dataclass(frozen=True)
class LocalImage:
    """One image in the store with what the CLI shows about it."""

    record: ImageRecord
    config: ImageConfig
    tags: tuple[Reference, ...]

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def created(self) -> float:
        stamp = self.config.created_at
        return parse_rfc3339(stamp) if stamp else 0.0

    @property
    def diff_ids(self) -> tuple[str, ...]:
        return self.config.diff_ids


class ImageStore:
    """Queries and changes over the store's images and tags."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- lookup -----------------------------------------------------------------------------

    def tags_of(self, image_id: str) -> tuple[Reference, ...]:
        return tuple(
            parse_docker_ref(ref) for ref, target in sorted(self.store.tags.items())
            if target == image_id
        )

    def get(self, image_id: str) -> LocalImage:
        record = self.store.get_image(image_id)
        if record is None:
            raise NoSuchImage(image_id)
        return LocalImage(record, parse_config(record.config), self.tags_of(image_id))

    def all(self) -> list[LocalImage]:
        images = []
        for image_id in self.store.image_ids():
            record = self.store.get_image(image_id)
            if record is not None:
                images.append(LocalImage(record, parse_config(record.config),
                                         self.tags_of(image_id)))
        return images

    def find(self, name: str) -> LocalImage | None:
        """The image `name` means to the daemon: a full ID, a reference, else a unique ID
        prefix (moby's GetImage order)."""
        hexpart = name.removeprefix("sha256:")
        is_hex = bool(hexpart) and all(c in "0123456789abcdef" for c in hexpart)
        if is_hex and (len(hexpart) == 64 or name.startswith("sha256:")):
            matches = [i for i in self.store.image_ids() if i[7:].startswith(hexpart)]
            return self.get(matches[0]) if len(matches) == 1 else None
        by_ref = self._by_reference(name)
        if by_ref is not None or not is_hex:
            return by_ref
        matches = [i for i in self.store.image_ids() if i[7:].startswith(hexpart)]
        return self.get(matches[0]) if len(matches) == 1 else None

    def _by_reference(self, name: str) -> LocalImage | None:
        try:
            ref = parse_docker_ref(name)
        except EngineError:
            return None
        if ref.digest is not None:
            for image_id in self.store.image_ids():
                record = self.store.get_image(image_id)
                if record and f"{ref.name}@{ref.digest}" in record.repo_digests:
                    return self.get(image_id)
            return None
        target = self.store.tags.get(str(ref))
        return self.get(target) if target else None

    def resolve(self, name: str) -> LocalImage:
        """Like `find`, but a miss is Docker's `No such image` (tag defaulted to latest)."""
        image = self.find(name)
        if image is None:
            raise NoSuchImage(_display(name))
        return image

    # -- changes ----------------------------------------------------------------------------

    def add(self, config: ImageConfig, layers: list[Layer], now: float, *,
            tagged: bool = True) -> LocalImage:
        """Store an image. `tagged` is whether the daemon names it through TagImage, the only
        place that stamps LastTagTime (build, commit with a name); pull and load write the
        reference store directly, so their images keep the zero time."""
        for la in layers:
            self.store.put_layer(la)
        raw = config.to_bytes()
        record = self.store.get_image(config.id) or ImageRecord(config.id, raw)
        if tagged:
            record.last_tag_time = now
        self.store.put_image(record)
        return self.get(config.id)

    def tag(self, image_id: str, ref: Reference, now: float | None = None) -> None:
        """Point `ref` at the image; `now` (for `docker tag`) stamps its LastTagTime."""
        self.store.tags[str(ref)] = image_id
        self.store.save_tags()
        record = self.store.get_image(image_id)
        if now is not None and record is not None:
            record.last_tag_time = now
            self.store.put_image(record)

    def untag(self, ref: Reference) -> None:
        self.store.tags.pop(str(ref), None)
        self.store.save_tags()

    def delete(self, image: LocalImage) -> list[str]:
        """Delete an untagged image and its layers no other image uses; the `Deleted:` lines."""
        lines = [f"Deleted: {image.id}"]
        self.store.delete_image(image.id)
        still_used = {cid for other in self.all() for cid in chain_ids(other.diff_ids)}
        for cid in reversed(chain_ids(image.diff_ids)):
            if cid not in still_used:
                lines.append(f"Deleted: {cid}")
        return lines

    def layers(self, image: LocalImage) -> list[Layer]:
        return [self.store.get_layer(d) for d in image.diff_ids]

    def size(self, image: LocalImage) -> int:
        """SIZE on the classic store: the sum of the image's layer sizes (shared ones too)."""
        return sum(la.size for la in self.layers(image))

    def oci_image(self, image: LocalImage) -> Image:
        return Image(image.config, tuple(self.layers(image)))


def _display(name: str) -> str:
    """How the daemon names a missing image: references get `:latest` added."""
    try:
        ref = parse_docker_ref(name)
    except EngineError:
        return name
    if ref.digest is None and ":" not in name.rsplit("/", 1)[-1]:
        return f"{name}:latest"
    return name
